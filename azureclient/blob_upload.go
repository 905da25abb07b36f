package azureclient

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
)

// Error codes of Upload's own refusals.
const (
	CodeMD5Mismatch    = "Md5Mismatch"
	CodeSizeMismatch   = "SizeMismatch"
	CodeIncompleteBody = "IncompleteBody"
	CodeBlobExists     = "BlobAlreadyExists"
	CodeTooManyUploads = "TooManyUploads"
	CodeBlobTooLarge   = "BlobTooLarge"
)

// maxBlocks is Azure's limit of committed blocks per block blob.
// https://learn.microsoft.com/rest/api/storageservices/put-block-list
const maxBlocks = 50000

const defaultContentType = "application/octet-stream"

// UploadOptions describes an upload. Size and MD5 are what the client
// declared; the blob is committed only when the body matches them.
type UploadOptions struct {
	NoOverwrite bool   // If-None-Match: *; an existing blob is KindConflict "BlobAlreadyExists"
	ContentType string // default application/octet-stream
	Size        int64  // declared length in bytes; -1 when unknown (0 declares an empty body)
	MD5         []byte // declared MD5 of the whole body; nil when unknown
}

// Upload streams body into a block blob. Blocks of BlockSize are staged with
// their own Content-MD5 (checked by Azure) while the whole body's MD5 and
// length are computed; the block list is committed, with the blob's
// Content-MD5 set, only when the body ended with a clean io.EOF and matches
// the declared Size and MD5. Otherwise nothing is committed and an existing
// blob of that name is untouched: a mismatch is KindInvalid (Code
// "SizeMismatch"/"Md5Mismatch"), a failed read KindInvalid "IncompleteBody"
// wrapping the reader's error. More than MaxUploads at once is
// KindThrottled "TooManyUploads".
func (b *Blobs) Upload(ctx context.Context, account, container, name string, body io.Reader, o UploadOptions) (UploadResult, error) {
	const op = "blobs.Upload"
	if err := validateBlobPath(container, name); err != nil {
		return UploadResult{}, err
	}
	if o.MD5 != nil && len(o.MD5) != md5.Size {
		return UploadResult{}, &Error{Op: op, Kind: KindInvalid, Code: CodeMD5Mismatch,
			Message: fmt.Sprintf("The declared MD5 has %d bytes; an MD5 has 16.", len(o.MD5))}
	}
	select {
	case b.uploads <- struct{}{}:
		defer func() { <-b.uploads }()
	default:
		return UploadResult{}, &Error{Op: op, Kind: KindThrottled, Code: CodeTooManyUploads,
			Message: fmt.Sprintf("%d uploads are already running.", cap(b.uploads)),
			Hint:    "Wait for an upload to finish, then try again."}
	}
	start := time.Now()
	t := blobTarget{account: account, container: container, blob: name}
	ac, err := b.client(ctx, account)
	if err != nil {
		err = b.blobError(ctx, op, err, t)
		b.logCall(ctx, op, start, t, err)
		return UploadResult{}, err
	}
	t.endpoint = ac.endpoint
	bc := &blockClients{cur: ac.svc.NewContainerClient(container).NewBlockBlobClient(name)}
	if ac.keyed {
		stale := ac
		bc.renew = func(ctx context.Context) (*blockblob.Client, error) {
			nc, err := b.renew(ctx, account, stale)
			if err != nil {
				return nil, err
			}
			stale = nc
			return nc.svc.NewContainerClient(container).NewBlockBlobClient(name), nil
		}
	}
	res, err := stageAndCommit(ctx, bc, body, o, uploadConfig{blockSize: b.blockSize, concurrency: b.concurrency, buffers: &b.buffers})
	res.Name = name
	err = b.blobError(ctx, op, err, t)
	if err != nil && o.NoOverwrite && KindOf(err) == KindConflict {
		var e *Error
		if errors.As(err, &e) && e.Code != CodeBlobExists {
			e.Code = CodeBlobExists
			e.Message = fmt.Sprintf("Blob %q already exists in container %q.", name, container)
		}
	}
	b.logCall(ctx, op, start, t, err, slog.Int64("size", res.Size))
	if err != nil {
		return UploadResult{}, err
	}
	return res, nil
}

// uploadConfig is how stageAndCommit cuts and stages a body.
type uploadConfig struct {
	blockSize   int64
	concurrency int
	buffers     *sync.Pool // *[]byte of blockSize
}

// blockClients is the block blob client an upload writes through. When the
// key is refused (rotated), renew builds a client with the key fetched
// again; concurrent blocks that saw the refusal share one renewal.
type blockClients struct {
	mu    sync.Mutex
	cur   *blockblob.Client
	gen   int
	renew func(context.Context) (*blockblob.Client, error) // nil: the credential cannot be renewed
}

func (bc *blockClients) get() (*blockblob.Client, int) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	return bc.cur, bc.gen
}

// call runs fn, and runs it once more with a renewed client when Azure
// refused the key. Staged blocks belong to the blob, not the key, so the
// upload carries on where it was.
func (bc *blockClients) call(ctx context.Context, fn func(*blockblob.Client) error) error {
	c, gen := bc.get()
	err := fn(c)
	if err == nil || bc.renew == nil || !keyRefused(err) {
		return err
	}
	bc.mu.Lock()
	if bc.gen == gen {
		nc, rerr := bc.renew(ctx)
		if rerr != nil {
			bc.mu.Unlock()
			return rerr
		}
		bc.cur, bc.gen = nc, bc.gen+1
	}
	c = bc.cur
	bc.mu.Unlock()
	return fn(c)
}

// stageAndCommit is the upload itself; see Blobs.Upload. SDK errors are
// returned as they are, for the caller to classify with the blob's names.
func stageAndCommit(ctx context.Context, bc *blockClients, body io.Reader, o UploadOptions, cfg uploadConfig) (UploadResult, error) {
	const op = "blobs.Upload"
	if o.NoOverwrite {
		// Fail before reading a large body; the commit's If-None-Match: *
		// still decides a race.
		err := bc.call(ctx, func(c *blockblob.Client) error {
			_, err := c.GetProperties(ctx, nil)
			return err
		})
		switch {
		case err == nil:
			return UploadResult{}, &Error{Op: op, Kind: KindConflict, Status: 409, Code: CodeBlobExists, Message: "The blob already exists."}
		case !bloberror.HasCode(err, bloberror.BlobNotFound):
			return UploadResult{}, err
		}
	}
	prefix, err := blockIDPrefix()
	if err != nil {
		return UploadResult{}, &Error{Op: op, Kind: KindUnavailable, Message: "No randomness for block ids.", Err: err}
	}

	stageCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		failOnce sync.Once
		stageErr error
		slots    = make(chan struct{}, cfg.concurrency)
		ids      []string
		whole    = md5.New()
		size     int64
		readErr  error
		clean    bool
	)
	fail := func(err error) {
		failOnce.Do(func() { stageErr = err; cancel() })
	}
	for {
		// A slot before a buffer: at most concurrency buffers per upload.
		select {
		case slots <- struct{}{}:
		case <-stageCtx.Done():
		}
		if stageCtx.Err() != nil {
			break
		}
		bufp := cfg.buffers.Get().(*[]byte)
		n, rerr := fill(body, *bufp)
		if rerr != nil && rerr != io.EOF {
			// A body that broke off is never staged, let alone committed.
			cfg.buffers.Put(bufp)
			<-slots
			readErr = &Error{Op: op, Kind: KindInvalid, Code: CodeIncompleteBody,
				Message: fmt.Sprintf("The upload body broke off after %d bytes; nothing was committed.", size+int64(n)), Err: rerr}
			break
		}
		if n == 0 {
			cfg.buffers.Put(bufp)
			<-slots
		} else {
			block := (*bufp)[:n]
			whole.Write(block)
			size += int64(n)
			switch {
			case o.Size >= 0 && size > o.Size:
				readErr = sizeMismatch(op, o.Size, size, true)
			case len(ids) >= maxBlocks:
				readErr = &Error{Op: op, Kind: KindInvalid, Code: CodeBlobTooLarge,
					Message: fmt.Sprintf("The body is larger than %d blocks of %d bytes.", maxBlocks, cfg.blockSize)}
			}
			if readErr != nil {
				cfg.buffers.Put(bufp)
				<-slots
				break
			}
			id := blockID(prefix, len(ids))
			ids = append(ids, id)
			sum := md5.Sum(block)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				defer cfg.buffers.Put(bufp)
				err := bc.call(stageCtx, func(c *blockblob.Client) error {
					_, err := c.StageBlock(stageCtx, id, streaming.NopCloser(bytes.NewReader(block)),
						&blockblob.StageBlockOptions{TransactionalValidation: blob.TransferValidationTypeMD5(sum[:])})
					return err
				})
				if err != nil {
					fail(err)
				}
			}()
		}
		if rerr == io.EOF {
			clean = true
			break
		}
	}
	if !clean {
		cancel()
	}
	wg.Wait()

	switch {
	case readErr != nil:
		return UploadResult{}, readErr
	case stageErr != nil && ctx.Err() == nil:
		return UploadResult{}, stageErr
	case ctx.Err() != nil:
		return UploadResult{}, classify(op, ctx.Err())
	case !clean:
		return UploadResult{}, classify(op, context.Canceled)
	case o.Size >= 0 && size != o.Size:
		return UploadResult{}, sizeMismatch(op, o.Size, size, false)
	}
	sum := whole.Sum(nil)
	if o.MD5 != nil && !bytes.Equal(o.MD5, sum) {
		return UploadResult{}, &Error{Op: op, Kind: KindInvalid, Code: CodeMD5Mismatch,
			Message: fmt.Sprintf("The body's MD5 is %s, the declared one %s; nothing was committed.",
				base64.StdEncoding.EncodeToString(sum), base64.StdEncoding.EncodeToString(o.MD5))}
	}

	contentType := o.ContentType
	if contentType == "" {
		contentType = defaultContentType
	}
	opts := &blockblob.CommitBlockListOptions{
		// Not checked by Azure on commit (the blocks were), but stored and
		// returned as the blob's Content-MD5.
		HTTPHeaders: &blob.HTTPHeaders{BlobContentMD5: sum, BlobContentType: to.Ptr(contentType)},
	}
	if o.NoOverwrite {
		etagAny := azcore.ETagAny
		opts.AccessConditions = &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &etagAny}}
	}
	if ids == nil {
		ids = []string{} // an empty blob: commit an empty list
	}
	var resp blockblob.CommitBlockListResponse
	err = bc.call(ctx, func(c *blockblob.Client) error {
		var err error
		resp, err = c.CommitBlockList(ctx, ids, opts)
		return err
	})
	if err != nil && o.NoOverwrite && bloberror.HasCode(err, bloberror.InvalidBlockList) {
		// A concurrent upload of the same name committed first, which drops
		// every uncommitted block of the blob, ours included.
		if c, _ := bc.get(); c != nil {
			if _, perr := c.GetProperties(ctx, nil); perr == nil {
				return UploadResult{}, &Error{Op: op, Kind: KindConflict, Status: 409, Code: CodeBlobExists, Message: "The blob was created by another upload meanwhile."}
			}
		}
	}
	if err != nil {
		return UploadResult{}, err
	}
	return UploadResult{
		Size:         size,
		ETag:         string(deref(resp.ETag)),
		LastModified: deref(resp.LastModified).UTC(),
		ContentMD5:   sum,
	}, nil
}

func sizeMismatch(op string, declared, read int64, more bool) error {
	got := fmt.Sprintf("%d", read)
	if more {
		got = "more than " + fmt.Sprintf("%d", declared)
	}
	return &Error{Op: op, Kind: KindInvalid, Code: CodeSizeMismatch,
		Message: fmt.Sprintf("The body has %s bytes, the declared size is %d; nothing was committed.", got, declared)}
}

// fill reads into buf until it is full or the reader ends. Unlike
// io.ReadFull it returns the reader's own error, so a clean io.EOF stays
// distinguishable from io.ErrUnexpectedEOF (a body cut short).
func fill(r io.Reader, buf []byte) (int, error) {
	n, empty := 0, 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
		if m == 0 {
			if empty++; empty > 100 {
				return n, io.ErrNoProgress
			}
		} else {
			empty = 0
		}
	}
	return n, nil
}

// blockIDPrefix is random per upload, so blocks of concurrent uploads of one
// name never collide.
func blockIDPrefix() (string, error) {
	var p [16]byte
	if _, err := rand.Read(p[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(p[:]), nil
}

// blockID is base64 of prefix and index; all ids of a blob have one length.
func blockID(prefix string, index int) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%s-%06d", prefix, index))
}
