package azureclient

import (
	"context"
	"strings"
	"testing"
)

func TestBlobs_Containers(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		given      string
		expectKind Kind
		expectCode string
	}{
		{name: "new", given: "photos", expectKind: KindUnknown},
		{name: "another", given: "a-1", expectKind: KindUnknown},
		{name: "exists", given: "photos", expectKind: KindConflict, expectCode: "ContainerAlreadyExists"},
		{name: "invalid", given: "Bad_Name", expectKind: KindInvalid, expectCode: "InvalidContainerName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.blobs.CreateContainer(ctx, s.account, tt.given)
			if tt.expectKind == KindUnknown {
				if err != nil {
					t.Fatalf("CreateContainer: %v", err)
				}
				return
			}
			asError(t, err, tt.expectKind, tt.expectCode)
		})
	}
	got, err := s.blobs.ListContainers(ctx, s.account)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Name)
		if c.LastModified.IsZero() || c.LastModified.Location().String() != "UTC" {
			t.Fatalf("container %s last modified %v", c.Name, c.LastModified)
		}
	}
	if strings.Join(names, ",") != "a-1,photos" {
		t.Fatalf("containers %v", names)
	}
	if err := s.blobs.Probe(ctx, s.account); err != nil {
		t.Fatalf("Probe: %v", err)
	}
}

func TestBlobs_AccountErrors(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		givenAcct  string
		expectKind Kind
		expectCode string
	}{
		{name: "invalid account name", givenAcct: "Not_Valid", expectKind: KindInvalid, expectCode: "InvalidAccountName"},
		{name: "account not in the resource group", givenAcct: "nosuchaccount", expectKind: KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.blobs.ListContainers(ctx, tt.givenAcct)
			asError(t, err, tt.expectKind, tt.expectCode)
			asError(t, s.blobs.Probe(ctx, tt.givenAcct), tt.expectKind, tt.expectCode)
		})
	}
}

func TestBlobs_ProbeUnreachable(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t)
	s.sim.SetAccountBlobEndpoint(s.account, "http://127.0.0.1:1/"+s.account)
	s.arm.Forget()
	e := asError(t, s.blobs.Probe(context.Background(), s.account), KindUnavailable, "")
	if !strings.Contains(e.Message, "127.0.0.1:1") {
		t.Fatalf("message %q does not name the endpoint", e.Message)
	}
}
