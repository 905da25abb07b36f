package azureclient

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/azuritetest"
)

const testBlock = 64 << 10

// directBlockBlob is a block blob client on Azurite's default account with
// a Shared Key, no ARM involved, for testing stageAndCommit alone.
func directBlockBlob(t *testing.T, az *azuritetest.Azurite, containerName, name string) *blockblob.Client {
	t.Helper()
	cred, err := blob.NewSharedKeyCredential(azuritetest.DefaultAccountName, azuritetest.DefaultAccountKey)
	if err != nil {
		t.Fatal(err)
	}
	opts := &container.ClientOptions{ClientOptions: sdkClientOptions(az.BlobEndpoint(azuritetest.DefaultAccountName), azcore.ClientOptions{Retry: blobFastRetry})}
	cc, err := container.NewClientWithSharedKeyCredential(az.BlobEndpoint(azuritetest.DefaultAccountName)+"/"+containerName, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Create(context.Background(), nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		t.Fatal(err)
	}
	return cc.NewBlockBlobClient(name)
}

func testUploadConfig(blockSize int64, concurrency int) uploadConfig {
	return uploadConfig{blockSize: blockSize, concurrency: concurrency, buffers: &sync.Pool{New: func() any {
		b := make([]byte, blockSize)
		return &b
	}}}
}

func TestStageAndCommit_RoundTrip(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	tests := []struct {
		name        string
		givenSize   int
		givenConc   int
		expectCalls int // blocks staged
	}{
		{name: "0 B", givenSize: 0, givenConc: 2, expectCalls: 0},
		{name: "1 B", givenSize: 1, givenConc: 2, expectCalls: 1},
		{name: "block-1", givenSize: testBlock - 1, givenConc: 2, expectCalls: 1},
		{name: "block", givenSize: testBlock, givenConc: 2, expectCalls: 1},
		{name: "block+1", givenSize: testBlock + 1, givenConc: 2, expectCalls: 2},
		{name: "many blocks, serial", givenSize: 5*testBlock + 7, givenConc: 1, expectCalls: 6},
		{name: "many blocks, wide", givenSize: 9*testBlock + 3, givenConc: 4, expectCalls: 10},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := randomBytes(uint64(i), tt.givenSize)
			bb := directBlockBlob(t, az, "direct", fmt.Sprintf("rt-%d", i))
			res, err := stageAndCommit(context.Background(), &blockClients{cur: bb}, bytes.NewReader(data),
				UploadOptions{Size: int64(len(data)), MD5: md5Of(data)}, testUploadConfig(testBlock, tt.givenConc))
			if err != nil {
				t.Fatalf("stageAndCommit: %v", err)
			}
			if res.Size != int64(len(data)) || !bytes.Equal(res.ContentMD5, md5Of(data)) || res.ETag == "" {
				t.Fatalf("result %+v", res)
			}
			bl, err := bb.GetBlockList(context.Background(), blockblob.BlockListTypeCommitted, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(bl.CommittedBlocks) != tt.expectCalls {
				t.Fatalf("%d committed blocks, want %d", len(bl.CommittedBlocks), tt.expectCalls)
			}
			idLen := -1
			for _, b := range bl.CommittedBlocks {
				if idLen >= 0 && len(*b.Name) != idLen {
					t.Fatalf("block ids of different lengths: %d and %d", idLen, len(*b.Name))
				}
				idLen = len(*b.Name)
			}
			resp, err := bb.DownloadStream(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("downloaded %d bytes differ from the %d uploaded", len(got), len(data))
			}
			if !bytes.Equal(resp.ContentMD5, md5Of(data)) {
				t.Fatalf("stored Content-MD5 %x, want %x", resp.ContentMD5, md5Of(data))
			}
		})
	}
}

// failingReader yields n bytes of data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestStageAndCommit_NothingCommitted(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	errCut := errors.New("client went away")
	data := randomBytes(7, 3*testBlock+100)
	tests := []struct {
		name        string
		givenBody   func() io.Reader
		givenOpts   UploadOptions
		expectKind  Kind
		expectCode  string
		expectCause error
	}{
		{name: "read error half-way", givenBody: func() io.Reader { return &failingReader{data: data[:len(data)/2], err: errCut} },
			givenOpts: UploadOptions{Size: -1}, expectKind: KindInvalid, expectCode: CodeIncompleteBody, expectCause: errCut},
		{name: "unexpected EOF half-way", givenBody: func() io.Reader { return &failingReader{data: data[:len(data)/2], err: io.ErrUnexpectedEOF} },
			givenOpts: UploadOptions{Size: -1}, expectKind: KindInvalid, expectCode: CodeIncompleteBody, expectCause: io.ErrUnexpectedEOF},
		{name: "clean EOF short of declared size", givenBody: func() io.Reader { return bytes.NewReader(data[:len(data)/2]) },
			givenOpts: UploadOptions{Size: int64(len(data))}, expectKind: KindInvalid, expectCode: CodeSizeMismatch},
		{name: "longer than declared size", givenBody: func() io.Reader { return bytes.NewReader(data) },
			givenOpts: UploadOptions{Size: testBlock}, expectKind: KindInvalid, expectCode: CodeSizeMismatch},
		{name: "declared MD5 wrong", givenBody: func() io.Reader { return bytes.NewReader(data) },
			givenOpts: UploadOptions{Size: -1, MD5: md5Of([]byte("other"))}, expectKind: KindInvalid, expectCode: CodeMD5Mismatch},
		{name: "empty body, declared size", givenBody: func() io.Reader { return bytes.NewReader(nil) },
			givenOpts: UploadOptions{Size: 10}, expectKind: KindInvalid, expectCode: CodeSizeMismatch},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			for _, existing := range []bool{false, true} {
				name := fmt.Sprintf("cut-%d-%v", i, existing)
				bb := directBlockBlob(t, az, "nocommit", name)
				old := []byte("the original, which must survive")
				if existing {
					if _, err := bb.UploadBuffer(ctx, old, nil); err != nil {
						t.Fatal(err)
					}
				}
				_, err := stageAndCommit(ctx, &blockClients{cur: bb}, tt.givenBody(), tt.givenOpts, testUploadConfig(testBlock, 2))
				var e *Error
				if !errors.As(err, &e) || e.Kind != tt.expectKind || e.Code != tt.expectCode {
					t.Fatalf("err = %v, want %s %s", err, tt.expectKind, tt.expectCode)
				}
				if tt.expectCause != nil && !errors.Is(err, tt.expectCause) {
					t.Fatalf("err %v does not wrap %v", err, tt.expectCause)
				}
				resp, derr := bb.DownloadStream(ctx, nil)
				if !existing {
					if derr == nil {
						_ = resp.Body.Close()
						t.Fatal("a blob was committed")
					}
					continue
				}
				if derr != nil {
					t.Fatalf("the original blob is gone: %v", derr)
				}
				got, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if !bytes.Equal(got, old) {
					t.Fatalf("the original blob changed to %d bytes", len(got))
				}
			}
		})
	}
}

func TestStageAndCommit_ContextCancelled(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	bb := directBlockBlob(t, az, "cancel", "blob")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(randomBytes(1, 2*testBlock))
		cancel()
		// The upload must stop although the body never ends.
	}()
	done := make(chan error, 1)
	go func() {
		_, err := stageAndCommit(ctx, &blockClients{cur: bb}, io.MultiReader(pr, &ctxReader{ctx}), UploadOptions{Size: -1}, testUploadConfig(testBlock, 2))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("cancelled upload succeeded")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("upload did not stop after cancel")
	}
	_ = pw.Close()
	if _, err := bb.GetProperties(context.Background(), nil); err == nil {
		t.Fatal("a blob was committed")
	}
}

// ctxReader blocks until ctx ends, then fails like a request body whose
// client went away.
type ctxReader struct{ ctx context.Context }

func (r *ctxReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

func TestBlobs_UploadRoundTrip(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t, withBlobOptions(func(o *BlobsOptions) { o.BlockSize = testBlock }))
	s.mkContainer(t, "roundtrip")
	big := newBlobStack(t) // default 4 MiB blocks
	big.mkContainer(t, "roundtrip")
	tests := []struct {
		name       string
		givenStack *blobStack
		givenBlob  string
		givenSize  int
		givenType  string
		expectType string
	}{
		{name: "0 B", givenStack: s, givenBlob: "empty", givenSize: 0, expectType: "application/octet-stream"},
		{name: "1 B", givenStack: s, givenBlob: "one", givenSize: 1, givenType: "text/plain", expectType: "text/plain"},
		{name: "block+1", givenStack: s, givenBlob: "dir/sub/block plus one.bin", givenSize: testBlock + 1, expectType: "application/octet-stream"},
		{name: "unicode name", givenStack: s, givenBlob: "Grüße/日本語 ファイル %20#?.txt", givenSize: 1000, givenType: "text/plain; charset=utf-8", expectType: "text/plain; charset=utf-8"},
		{name: "4 MiB+1 with default blocks", givenStack: big, givenBlob: "big/4MiB+1", givenSize: 4<<20 + 1, expectType: "application/octet-stream"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := tt.givenStack
			data := randomBytes(uint64(100+i), tt.givenSize)
			res, err := st.blobs.Upload(ctx, st.account, "roundtrip", tt.givenBlob, bytes.NewReader(data),
				UploadOptions{Size: int64(len(data)), ContentType: tt.givenType, NoOverwrite: true})
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if res.Name != tt.givenBlob || res.Size != int64(len(data)) || !bytes.Equal(res.ContentMD5, md5Of(data)) || res.ETag == "" || res.LastModified.IsZero() {
				t.Fatalf("result %+v", res)
			}
			d, err := st.blobs.Download(ctx, st.account, "roundtrip", tt.givenBlob)
			if err != nil {
				t.Fatalf("Download: %v", err)
			}
			got, err := io.ReadAll(d.Body)
			_ = d.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("downloaded %d bytes differ from the %d uploaded", len(got), len(data))
			}
			p := d.Properties
			if p.Size != int64(len(data)) || p.ContentType != tt.expectType || !bytes.Equal(p.ContentMD5, md5Of(data)) ||
				p.ETag != res.ETag || p.BlobType != "BlockBlob" || p.Name != tt.givenBlob {
				t.Fatalf("download properties %+v", p)
			}
			props, err := st.blobs.Properties(ctx, st.account, "roundtrip", tt.givenBlob)
			if err != nil {
				t.Fatal(err)
			}
			if props.Size != p.Size || props.ETag != p.ETag || props.ContentType != p.ContentType || !bytes.Equal(props.ContentMD5, p.ContentMD5) ||
				props.LeaseState != "available" || props.BlobType != "BlockBlob" {
				t.Fatalf("Properties %+v", props)
			}
		})
	}
}

func TestBlobs_Upload100MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MiB round trip skipped with -short")
	}
	t.Parallel()
	s := newBlobStack(t)
	s.mkContainer(t, "large")
	ctx := context.Background()
	const size = 100 << 20
	want := md5.New()
	_, _ = io.Copy(want, randomReader(42, size))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	res, err := s.blobs.Upload(ctx, s.account, "large", "100MiB.bin", randomReader(42, size), UploadOptions{Size: size, MD5: want.Sum(nil)})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	upDur := time.Since(start)
	runtime.ReadMemStats(&after)
	if res.Size != size || !bytes.Equal(res.ContentMD5, want.Sum(nil)) {
		t.Fatalf("result %+v", res)
	}

	start = time.Now()
	d, err := s.blobs.Download(ctx, s.account, "large", "100MiB.bin")
	if err != nil {
		t.Fatal(err)
	}
	got := md5.New()
	n, err := io.Copy(got, d.Body)
	_ = d.Body.Close()
	if err != nil || n != size {
		t.Fatalf("read %d bytes, err %v", n, err)
	}
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatal("downloaded MD5 differs from the uploaded one")
	}
	t.Logf("100 MiB upload %v (%.0f MiB/s), download %v (%.0f MiB/s); heap allocated during upload %d MiB, Sys %d MiB",
		upDur.Round(time.Millisecond), 100/upDur.Seconds(), time.Since(start).Round(time.Millisecond), 100/time.Since(start).Seconds(),
		(after.TotalAlloc-before.TotalAlloc)>>20, after.Sys>>20)
}

func TestBlobs_UploadNoOverwrite(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t, withBlobOptions(func(o *BlobsOptions) { o.BlockSize = testBlock }))
	s.mkContainer(t, "keep")
	original := randomBytes(1, 3*testBlock)
	if _, err := s.upload(t, "keep", "a/b.bin", original, UploadOptions{NoOverwrite: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		givenData  []byte
		givenOpts  UploadOptions
		expectKind Kind
		expectCode string
	}{
		{name: "larger body", givenData: randomBytes(2, 5*testBlock), givenOpts: UploadOptions{NoOverwrite: true}, expectKind: KindConflict, expectCode: CodeBlobExists},
		{name: "empty body", givenData: nil, givenOpts: UploadOptions{NoOverwrite: true}, expectKind: KindConflict, expectCode: CodeBlobExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.upload(t, "keep", "a/b.bin", tt.givenData, tt.givenOpts)
			asError(t, err, tt.expectKind, tt.expectCode)
			if got := s.content(t, "keep", "a/b.bin"); !bytes.Equal(got, original) {
				t.Fatal("the original blob changed")
			}
		})
	}
	// Without NoOverwrite the same upload replaces it.
	replacement := randomBytes(3, 10)
	if _, err := s.upload(t, "keep", "a/b.bin", replacement, UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := s.content(t, "keep", "a/b.bin"); !bytes.Equal(got, replacement) {
		t.Fatal("overwrite did not replace the blob")
	}
}

func TestBlobs_UploadNoOverwriteRace(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t, withBlobOptions(func(o *BlobsOptions) { o.BlockSize = testBlock; o.MaxUploads = 8 }))
	s.mkContainer(t, "race")
	for round := range 3 {
		name := fmt.Sprintf("contested-%d", round)
		const racers = 4
		datas := make([][]byte, racers)
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			datas[i] = randomBytes(uint64(round*10+i), 4*testBlock+i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = s.blobs.Upload(context.Background(), s.account, "race", name, bytes.NewReader(datas[i]),
					UploadOptions{NoOverwrite: true, Size: int64(len(datas[i]))})
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: racers %d and %d both won", round, winner, i)
			case err == nil:
				winner = i
			default:
				asError(t, err, KindConflict, CodeBlobExists)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won: %v", round, errs)
		}
		if got := s.content(t, "race", name); !bytes.Equal(got, datas[winner]) {
			t.Fatalf("round %d: stored content is not the winner's", round)
		}
	}
}

func TestBlobs_UploadTooMany(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t, withBlobOptions(func(o *BlobsOptions) { o.BlockSize = testBlock; o.MaxUploads = 1 }))
	s.mkContainer(t, "busy")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := s.blobs.Upload(context.Background(), s.account, "busy", "slow", pr, UploadOptions{Size: 10})
		done <- err
	}()
	// Wait until the slow upload holds the only slot.
	deadline := time.Now().Add(10 * time.Second)
	for len(s.blobs.uploads) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	_, err := s.upload(t, "busy", "second", []byte("x"), UploadOptions{})
	asError(t, err, KindThrottled, CodeTooManyUploads)
	_, _ = pw.Write([]byte("0123456789"))
	_ = pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	if _, err := s.upload(t, "busy", "third", []byte("x"), UploadOptions{}); err != nil {
		t.Fatalf("after the slot freed: %v", err)
	}
}

func TestBlobs_UploadKeyRotation(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t, withBlobOptions(func(o *BlobsOptions) { o.BlockSize = testBlock; o.Concurrency = 1 }))
	s.mkContainer(t, "rotate")
	ctx := context.Background()
	if _, err := s.upload(t, "rotate", "before", []byte("written with the old key"), UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	rotate := func() {
		newKey := s.sim.RotateKey(s.account, "key1")
		_, k2 := s.sim.Keys(s.account)
		s.az.Restart(t, azuritetest.Account{Name: s.account, Key1: newKey, Key2: k2})
	}

	t.Run("between calls", func(t *testing.T) {
		calls := s.sim.Calls(azuresim.ListKeysPath)
		rotate()
		data := randomBytes(5, 2*testBlock+1)
		if _, err := s.upload(t, "rotate", "after", data, UploadOptions{}); err != nil {
			t.Fatalf("upload after rotation: %v", err)
		}
		if got := s.sim.Calls(azuresim.ListKeysPath) - calls; got != 1 {
			t.Fatalf("%d listKeys calls after rotation, want 1", got)
		}
		if !bytes.Equal(s.content(t, "rotate", "after"), data) {
			t.Fatal("content differs")
		}
		if !bytes.Equal(s.content(t, "rotate", "before"), []byte("written with the old key")) {
			t.Fatal("blob written before the rotation changed")
		}
	})

	t.Run("mid upload", func(t *testing.T) {
		calls := s.sim.Calls(azuresim.ListKeysPath)
		data := randomBytes(6, 4*testBlock+5)
		// Concurrency 1: the second block is read only after the first is
		// staged, so the rotation falls between two staged blocks.
		body := &hookReader{r: bytes.NewReader(data), at: testBlock, hook: rotate}
		if _, err := s.blobs.Upload(ctx, s.account, "rotate", "during", body, UploadOptions{Size: int64(len(data))}); err != nil {
			t.Fatalf("upload across rotation: %v", err)
		}
		if !body.fired {
			t.Fatal("rotation did not happen mid upload")
		}
		if got := s.sim.Calls(azuresim.ListKeysPath) - calls; got != 1 {
			t.Fatalf("%d listKeys calls after rotation, want 1", got)
		}
		if !bytes.Equal(s.content(t, "rotate", "during"), data) {
			t.Fatal("content differs; the block staged before the rotation was lost")
		}
	})
}

// hookReader calls hook once, when at bytes have been read.
type hookReader struct {
	r     io.Reader
	at    int64
	read  int64
	hook  func()
	fired bool
}

func (h *hookReader) Read(p []byte) (int, error) {
	if !h.fired && h.read >= h.at {
		h.fired = true
		h.hook()
	}
	if !h.fired && h.read+int64(len(p)) > h.at {
		p = p[:h.at-h.read]
	}
	n, err := h.r.Read(p)
	h.read += int64(n)
	return n, err
}

func TestBlobs_UploadAAD(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t, withAAD(), withBlobOptions(func(o *BlobsOptions) { o.BlockSize = testBlock }))
	s.mkContainer(t, "aad")
	data := randomBytes(9, 2*testBlock+9)
	if _, err := s.upload(t, "aad", "by/token.bin", data, UploadOptions{NoOverwrite: true}); err != nil {
		t.Fatalf("Upload with token: %v", err)
	}
	d, err := s.blobs.Download(context.Background(), s.account, "aad", "by/token.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(d.Body)
	_ = d.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("download with token: %d bytes, %v", len(got), err)
	}
	if n := s.sim.Calls(azuresim.ListKeysPath); n != 0 {
		t.Fatalf("aad mode called listKeys %d times", n)
	}
	if err := s.blobs.Probe(context.Background(), s.account); err != nil {
		t.Fatalf("Probe: %v", err)
	}
}

func TestBlobs_ForbiddenAAD(t *testing.T) {
	t.Parallel()
	s := newBlobStack(t, withAAD())
	// Azurite's basic OAuth has no RBAC, so the answer real storage gives a
	// token without a data role is classified directly.
	err := s.blobs.blobError(context.Background(), "blobs.Upload",
		&azcore.ResponseError{StatusCode: 403, ErrorCode: "AuthorizationPermissionMismatch"},
		blobTarget{account: s.account, container: "c", blob: "b"})
	e := asError(t, err, KindForbidden, "AuthorizationPermissionMismatch")
	wantScope := s.arm.accountID(s.account)
	if e.Role != RoleBlobDataContributor || e.Scope != wantScope {
		t.Fatalf("role %q scope %q", e.Role, e.Scope)
	}
	for _, want := range []string{"az role assignment create", azuresim.ObjectID, `"Storage Blob Data Contributor"`, wantScope} {
		if !bytes.Contains([]byte(e.Hint), []byte(want)) {
			t.Fatalf("hint %q lacks %q", e.Hint, want)
		}
	}
}
