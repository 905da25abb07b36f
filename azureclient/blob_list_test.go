package azureclient

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestBlobs_ListBlobs(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t)
	s.mkContainer(t, "tree")
	for _, name := range []string{"root.txt", "docs/a.md", "docs/b.md", "docs/deep/c.md", "img/x y.png"} {
		if _, err := s.upload(t, "tree", name, []byte(name), UploadOptions{ContentType: "text/plain"}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name           string
		givenOpts      ListBlobsOptions
		expectBlobs    string
		expectPrefixes string
	}{
		{name: "flat", givenOpts: ListBlobsOptions{}, expectBlobs: "docs/a.md,docs/b.md,docs/deep/c.md,img/x y.png,root.txt"},
		{name: "flat with prefix", givenOpts: ListBlobsOptions{Prefix: "docs/"}, expectBlobs: "docs/a.md,docs/b.md,docs/deep/c.md"},
		{name: "folders at the root", givenOpts: ListBlobsOptions{Delimiter: "/"}, expectBlobs: "root.txt", expectPrefixes: "docs/,img/"},
		{name: "one folder", givenOpts: ListBlobsOptions{Prefix: "docs/", Delimiter: "/"}, expectBlobs: "docs/a.md,docs/b.md", expectPrefixes: "docs/deep/"},
		{name: "no match", givenOpts: ListBlobsOptions{Prefix: "zzz"}, expectBlobs: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.blobs.ListBlobs(context.Background(), s.account, "tree", tt.givenOpts)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range got.Blobs {
				names = append(names, b.Name)
				if b.Size != int64(len(b.Name)) || b.ContentType != "text/plain" || b.ETag == "" || b.LastModified.IsZero() ||
					!bytes.Equal(b.ContentMD5, md5Of([]byte(b.Name))) {
					t.Fatalf("item %+v", b)
				}
			}
			if strings.Join(names, ",") != tt.expectBlobs || strings.Join(got.Prefixes, ",") != tt.expectPrefixes || got.Truncated {
				t.Fatalf("blobs %v prefixes %v truncated %v", names, got.Prefixes, got.Truncated)
			}
		})
	}
}

func TestBlobs_ListBlobsErrors(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t)
	tests := []struct {
		name           string
		givenContainer string
		givenOpts      ListBlobsOptions
		expectKind     Kind
		expectCode     string
	}{
		{name: "missing container", givenContainer: "nothere", expectKind: KindNotFound, expectCode: "ContainerNotFound"},
		{name: "invalid container", givenContainer: "No", expectKind: KindInvalid, expectCode: "InvalidContainerName"},
		{name: "odd delimiter", givenContainer: "nothere", givenOpts: ListBlobsOptions{Delimiter: "|"}, expectKind: KindInvalid, expectCode: "InvalidDelimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.blobs.ListBlobs(context.Background(), s.account, tt.givenContainer, tt.givenOpts)
			e := asError(t, err, tt.expectKind, tt.expectCode)
			if tt.expectKind == KindNotFound && !strings.Contains(e.Message, `Container "nothere"`) {
				t.Fatalf("message %q does not name the container", e.Message)
			}
		})
	}
}
