package azureclient

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
)

// maxListing caps how many entries one listing returns; the dashboard shows
// a page, not a crawl of a container with millions of blobs.
const maxListing = 10000

// ListContainers lists the account's containers by name (at most 10,000).
func (b *Blobs) ListContainers(ctx context.Context, account string) ([]Container, error) {
	const op = "blobs.ListContainers"
	start := time.Now()
	t := blobTarget{account: account}
	var out []Container
	err := b.do(ctx, account, func(c *accountClient) error {
		t.endpoint = c.endpoint
		out = out[:0]
		pager := c.svc.NewListContainersPager(&service.ListContainersOptions{MaxResults: to.Ptr[int32](5000)})
		for pager.More() && len(out) < maxListing {
			page, err := pager.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, ci := range page.ContainerItems {
				if ci == nil || ci.Name == nil {
					continue
				}
				item := Container{Name: *ci.Name}
				if ci.Properties != nil && ci.Properties.LastModified != nil {
					item.LastModified = ci.Properties.LastModified.UTC()
				}
				out = append(out, item)
			}
		}
		return nil
	})
	err = b.blobError(ctx, op, err, t)
	b.logCall(ctx, op, start, t, err)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []Container{}
	}
	return out, nil
}

// CreateContainer creates a private container. An invalid name is
// KindInvalid "InvalidContainerName" before any call; an existing one is
// KindConflict.
func (b *Blobs) CreateContainer(ctx context.Context, account, name string) error {
	const op = "blobs.CreateContainer"
	if err := ValidateContainerName(name); err != nil {
		return err
	}
	start := time.Now()
	t := blobTarget{account: account, container: name}
	err := b.do(ctx, account, func(c *accountClient) error {
		t.endpoint = c.endpoint
		_, err := c.svc.CreateContainer(ctx, name, nil)
		return err
	})
	err = b.blobError(ctx, op, err, t)
	b.logCall(ctx, op, start, t, err)
	return err
}
