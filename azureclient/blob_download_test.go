package azureclient

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestBlobs_MissingAndDelete(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t)
	s.mkContainer(t, "present")
	if _, err := s.upload(t, "present", "doomed/file.txt", []byte("bye"), UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.blobs.Delete(ctx, s.account, "present", "doomed/file.txt"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	tests := []struct {
		name        string
		givenCont   string
		givenBlob   string
		expectCode  string
		expectInMsg string
	}{
		{name: "deleted blob", givenCont: "present", givenBlob: "doomed/file.txt", expectCode: "BlobNotFound", expectInMsg: `Blob "doomed/file.txt"`},
		{name: "never existed", givenCont: "present", givenBlob: "ghost", expectCode: "BlobNotFound", expectInMsg: `Blob "ghost"`},
		{name: "missing container", givenCont: "absent", givenBlob: "x", expectCode: "ContainerNotFound", expectInMsg: `Container "absent"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.blobs.Download(ctx, s.account, tt.givenCont, tt.givenBlob)
			e := asError(t, err, KindNotFound, tt.expectCode)
			if !strings.Contains(e.Message, tt.expectInMsg) {
				t.Fatalf("message %q does not say %q", e.Message, tt.expectInMsg)
			}
			asError(t, s.blobs.Delete(ctx, s.account, tt.givenCont, tt.givenBlob), KindNotFound, tt.expectCode)
			// HEAD answers carry the code only in x-ms-error-code.
			_, err = s.blobs.Properties(ctx, s.account, tt.givenCont, tt.givenBlob)
			asError(t, err, KindNotFound, "")
		})
	}
}

func TestBlobs_BadNamesBeforeAnyCall(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t)
	// Point the account somewhere dead: a call made anyway would be Unavailable.
	s.sim.SetAccountBlobEndpoint(s.account, "http://127.0.0.1:1/"+s.account)
	s.arm.Forget()
	ctx := context.Background()
	tests := []struct {
		name       string
		givenCont  string
		givenBlob  string
		expectCode string
	}{
		{name: "bad container", givenCont: "UPPER", givenBlob: "ok", expectCode: "InvalidContainerName"},
		{name: "dotdot blob", givenCont: "fine", givenBlob: "a/../b", expectCode: "InvalidBlobName"},
		{name: "empty blob", givenCont: "fine", givenBlob: "", expectCode: "InvalidBlobName"},
		{name: "backslash blob", givenCont: "fine", givenBlob: `a\b`, expectCode: "InvalidBlobName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.blobs.Upload(ctx, s.account, tt.givenCont, tt.givenBlob, strings.NewReader("x"), UploadOptions{Size: 1})
			asError(t, err, KindInvalid, tt.expectCode)
			_, err = s.blobs.Download(ctx, s.account, tt.givenCont, tt.givenBlob)
			asError(t, err, KindInvalid, tt.expectCode)
			_, err = s.blobs.Properties(ctx, s.account, tt.givenCont, tt.givenBlob)
			asError(t, err, KindInvalid, tt.expectCode)
			asError(t, s.blobs.Delete(ctx, s.account, tt.givenCont, tt.givenBlob), KindInvalid, tt.expectCode)
		})
	}
}

func TestBlobs_DownloadResumesOrRefusesMix(t *testing.T) {
	t.Parallel()
	const size = 2 << 20
	tests := []struct {
		name            string
		givenOverwrite  bool
		expectIntact    bool
		expectConflict  bool
		expectMinReopen int
	}{
		{name: "broken connection resumes", expectIntact: true, expectMinReopen: 2},
		{name: "overwrite mid read fails", givenOverwrite: true, expectConflict: true, expectMinReopen: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ft := &faultTransport{cutAfter: size / 2}
			s := newBlobStack(t, withBlobOptions(func(o *BlobsOptions) { o.ClientOptions.Transport = ft }))
			s.mkContainer(t, "reads")
			original := randomBytes(11, size)
			if _, err := s.upload(t, "reads", "moving.bin", original, UploadOptions{}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			d, err := s.blobs.Download(ctx, s.account, "reads", "moving.bin")
			if err != nil {
				t.Fatal(err)
			}
			defer d.Body.Close()
			first := make([]byte, size/2)
			if _, err := io.ReadFull(d.Body, first); err != nil {
				t.Fatalf("first half: %v", err)
			}
			if tt.givenOverwrite {
				if _, err := s.upload(t, "reads", "moving.bin", randomBytes(12, size), UploadOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			rest, err := io.ReadAll(d.Body)
			if ft.getCount() < tt.expectMinReopen {
				t.Fatalf("%d GETs, the download was not reopened", ft.getCount())
			}
			if tt.expectConflict {
				asError(t, err, KindConflict, "ConditionNotMet")
				if bytes.Equal(append(first, rest...), original) {
					t.Fatal("got the whole original although it was overwritten")
				}
				return
			}
			if err != nil {
				t.Fatalf("rest: %v", err)
			}
			if got := append(first, rest...); !bytes.Equal(got, original) {
				t.Fatal("resumed download differs")
			}
		})
	}
}
