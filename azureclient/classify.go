package azureclient

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// classify turns any error from an SDK call into an *Error. The SDK's own
// ResponseError prints the whole response body, so only its status and code
// are kept; the body never reaches a message or a log line.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return &Error{
			Op:      op,
			Kind:    kindFromStatus(re.StatusCode),
			Status:  re.StatusCode,
			Code:    re.ErrorCode,
			Message: statusMessage(re.StatusCode, re.ErrorCode),
			Err:     errors.New(re.ErrorCode), // the cause, without the body
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return &Error{Op: op, Kind: KindUnavailable, Message: "the request was cancelled", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Op: op, Kind: KindUnavailable, Message: "Azure did not answer in time", Err: err}
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &oe) {
		return &Error{Op: op, Kind: KindUnavailable, Message: "Azure could not be reached", Err: err}
	}
	return &Error{Op: op, Kind: KindUnavailable, Message: "the request to Azure failed", Err: err}
}

// statusMessage is a short, safe description of an Azure error answer.
func statusMessage(status int, code string) string {
	msg := "Azure answered " + http.StatusText(status)
	if code != "" {
		msg += " (" + code + ")"
	}
	return msg
}
