package azureclient

import (
	"context"
	"io"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
)

// downloadRetries is how often a broken download stream is reopened (from
// where it broke, pinned to the first response's ETag).
const downloadRetries = 3

// Download is an open blob: its properties and its bytes.
type Download struct {
	Properties BlobProperties
	// Body streams the blob. It reopens a broken connection from where it
	// stopped with If-Match on the ETag, so a blob overwritten mid-read fails
	// (KindConflict) rather than mixing two versions. The caller closes it.
	Body io.ReadCloser
}

// Download opens a blob for reading. A missing blob or container is
// KindNotFound.
func (b *Blobs) Download(ctx context.Context, account, container, name string) (*Download, error) {
	const op = "blobs.Download"
	if err := validateBlobPath(container, name); err != nil {
		return nil, err
	}
	start := time.Now()
	t := blobTarget{account: account, container: container, blob: name}
	var resp blob.DownloadStreamResponse
	err := b.do(ctx, account, func(c *accountClient) error {
		t.endpoint = c.endpoint
		var err error
		resp, err = c.svc.NewContainerClient(container).NewBlobClient(name).DownloadStream(ctx, nil)
		return err
	})
	err = b.blobError(ctx, op, err, t)
	b.logCall(ctx, op, start, t, err)
	if err != nil {
		return nil, err
	}
	props := BlobProperties{
		BlobItem: BlobItem{
			Name:         name,
			Size:         deref(resp.ContentLength),
			ContentType:  deref(resp.ContentType),
			ETag:         string(deref(resp.ETag)),
			LastModified: deref(resp.LastModified).UTC(),
			ContentMD5:   firstMD5(resp.ContentMD5, resp.BlobContentMD5),
		},
		BlobType:        string(deref(resp.BlobType)),
		LeaseState:      string(deref(resp.LeaseState)),
		ServerEncrypted: deref(resp.IsServerEncrypted),
	}
	body := resp.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: downloadRetries})
	return &Download{
		Properties: props,
		Body: &errReader{rc: body, err: func(err error) error {
			return b.blobError(ctx, "blobs.Download.read", err, t)
		}},
	}, nil
}

// Properties returns what `az storage blob show` reports for a blob. A
// missing blob or container is KindNotFound.
func (b *Blobs) Properties(ctx context.Context, account, container, name string) (BlobProperties, error) {
	const op = "blobs.Properties"
	if err := validateBlobPath(container, name); err != nil {
		return BlobProperties{}, err
	}
	start := time.Now()
	t := blobTarget{account: account, container: container, blob: name}
	var resp blob.GetPropertiesResponse
	err := b.do(ctx, account, func(c *accountClient) error {
		t.endpoint = c.endpoint
		var err error
		resp, err = c.svc.NewContainerClient(container).NewBlobClient(name).GetProperties(ctx, nil)
		return err
	})
	err = b.blobError(ctx, op, err, t)
	b.logCall(ctx, op, start, t, err)
	if err != nil {
		return BlobProperties{}, err
	}
	return BlobProperties{
		BlobItem: BlobItem{
			Name:         name,
			Size:         deref(resp.ContentLength),
			ContentType:  deref(resp.ContentType),
			ETag:         string(deref(resp.ETag)),
			LastModified: deref(resp.LastModified).UTC(),
			ContentMD5:   firstMD5(resp.ContentMD5),
		},
		BlobType:        string(deref(resp.BlobType)),
		LeaseState:      string(deref(resp.LeaseState)),
		ServerEncrypted: deref(resp.IsServerEncrypted),
	}, nil
}

// deref is *p, or the zero value for nil; SDK responses are all pointers.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// firstMD5 returns the first non-empty hash.
func firstMD5(sums ...[]byte) []byte {
	for _, s := range sums {
		if len(s) > 0 {
			return s
		}
	}
	return nil
}
