package azureclient

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// ListBlobsOptions selects what ListBlobs returns.
type ListBlobsOptions struct {
	Prefix    string // only names starting with it
	Delimiter string // "" flat; "/" one folder level, sub-folders as Prefixes
}

// BlobListing is one listing of a container.
type BlobListing struct {
	Blobs     []BlobItem
	Prefixes  []string // virtual folders, ending in the delimiter
	Truncated bool     // more than the 10,000 entries returned exist
}

// ListBlobs lists a container's blobs, flat or one virtual folder at a time.
func (b *Blobs) ListBlobs(ctx context.Context, account, containerName string, o ListBlobsOptions) (BlobListing, error) {
	const op = "blobs.ListBlobs"
	if err := ValidateContainerName(containerName); err != nil {
		return BlobListing{}, err
	}
	if o.Delimiter != "" && o.Delimiter != "/" {
		return BlobListing{}, &Error{Op: op, Kind: KindInvalid, Code: "InvalidDelimiter",
			Message: fmt.Sprintf("Delimiter %q is not supported; use \"/\" or none.", o.Delimiter)}
	}
	start := time.Now()
	t := blobTarget{account: account, container: containerName}
	var out BlobListing
	err := b.do(ctx, account, func(c *accountClient) error {
		t.endpoint = c.endpoint
		out = BlobListing{Blobs: []BlobItem{}, Prefixes: []string{}}
		cc := c.svc.NewContainerClient(containerName)
		var prefix *string
		if o.Prefix != "" {
			prefix = to.Ptr(o.Prefix)
		}
		full := func() bool { return len(out.Blobs)+len(out.Prefixes) >= maxListing }
		if o.Delimiter == "" {
			pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: prefix, MaxResults: to.Ptr[int32](5000)})
			for pager.More() {
				if full() {
					out.Truncated = true
					break
				}
				page, err := pager.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, it := range page.Segment.BlobItems {
					out.Blobs = append(out.Blobs, blobItem(it))
				}
			}
			return nil
		}
		pager := cc.NewListBlobsHierarchyPager(o.Delimiter, &container.ListBlobsHierarchyOptions{Prefix: prefix, MaxResults: to.Ptr[int32](5000)})
		for pager.More() {
			if full() {
				out.Truncated = true
				break
			}
			page, err := pager.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, p := range page.Segment.BlobPrefixes {
				if p != nil && p.Name != nil {
					out.Prefixes = append(out.Prefixes, *p.Name)
				}
			}
			for _, it := range page.Segment.BlobItems {
				out.Blobs = append(out.Blobs, blobItem(it))
			}
		}
		return nil
	})
	err = b.blobError(ctx, op, err, t)
	b.logCall(ctx, op, start, t, err, slog.Int("count", len(out.Blobs)))
	if err != nil {
		return BlobListing{}, err
	}
	return out, nil
}

// blobItem copies a listed blob's properties, tolerating absent fields.
func blobItem(it *container.BlobItem) BlobItem {
	var item BlobItem
	if it == nil {
		return item
	}
	if it.Name != nil {
		item.Name = *it.Name
	}
	if p := it.Properties; p != nil {
		if p.ContentLength != nil {
			item.Size = *p.ContentLength
		}
		if p.ContentType != nil {
			item.ContentType = *p.ContentType
		}
		if p.ETag != nil {
			item.ETag = string(*p.ETag)
		}
		if p.LastModified != nil {
			item.LastModified = p.LastModified.UTC()
		}
		if len(p.ContentMD5) > 0 {
			item.ContentMD5 = p.ContentMD5
		}
	}
	return item
}
