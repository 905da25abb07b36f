package azureclient

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind classifies an Azure failure into the few cases a caller acts on.
type Kind int

// The kinds of failure; the handlers map each to one HTTP status.
const (
	KindUnknown      Kind = iota
	KindInvalid           // bad input, before or from Azure (400)
	KindUnauthorized      // 401 from Azure after a token refresh
	KindForbidden         // 403: a role assignment is missing
	KindNotFound          // 404
	KindConflict          // 409 or 412
	KindThrottled         // 429 after the retry budget
	KindUnavailable       // the identity endpoint or Azure could not be reached
	KindUpstream          // Azure answered with another error
	KindNoIdentity        // IMDS: "Identity not found"
)

var kindNames = [...]string{"Unknown", "Invalid", "Unauthorized", "Forbidden", "NotFound", "Conflict", "Throttled", "Unavailable", "Upstream", "NoIdentity"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is the one error type azureclient returns. Message and Hint are safe
// to show: they never hold a response body, a token or a key.
type Error struct {
	Op      string // what msidash was doing, e.g. "arm.ListKeys"
	Kind    Kind
	Status  int    // HTTP status Azure answered, 0 when none
	Code    string // Azure's error code, e.g. "AuthorizationFailed"
	Message string // short, redacted, human readable
	Hint    string // what the admin can do about it
	Role    string // for KindForbidden: the role that is missing
	Scope   string // for KindForbidden: the scope it is missing on
	Err     error  // the cause; never printed by Error()
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Kind.String()
	if e.Status != 0 {
		s += fmt.Sprintf(" (%d", e.Status)
		if e.Code != "" {
			s += " " + e.Code
		}
		s += ")"
	} else if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, or KindUnknown when it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// kindFromStatus is the default mapping of an Azure HTTP status to a Kind.
func kindFromStatus(status int) Kind {
	switch {
	case status == http.StatusBadRequest:
		return KindInvalid
	case status == http.StatusUnauthorized:
		return KindUnauthorized
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusConflict, status == http.StatusPreconditionFailed:
		return KindConflict
	case status == http.StatusTooManyRequests:
		return KindThrottled
	default:
		return KindUpstream
	}
}
