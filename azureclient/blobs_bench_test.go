package azureclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
)

const benchSize = 32 << 20

// BenchmarkUpload compares Blobs.Upload (staged, verified, committed) with
// the SDK's own UploadStream at the same block size and concurrency.
func BenchmarkUpload(b *testing.B) {
	s := newBlobStack(b)
	s.mkContainer(b, "bench")
	data := randomBytes(1, benchSize)
	sum := md5Of(data)
	sdk := s.sdk(b)
	b.Run("Blobs", func(b *testing.B) {
		b.SetBytes(benchSize)
		b.ReportAllocs()
		for i := range b.N {
			if _, err := s.blobs.Upload(context.Background(), s.account, "bench", fmt.Sprintf("blobs-%d", i), bytes.NewReader(data),
				UploadOptions{Size: benchSize, MD5: sum}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SDK", func(b *testing.B) {
		b.SetBytes(benchSize)
		b.ReportAllocs()
		for i := range b.N {
			if _, err := sdk.UploadStream(context.Background(), "bench", fmt.Sprintf("sdk-%d", i), bytes.NewReader(data),
				&azblob.UploadStreamOptions{BlockSize: defaultBlockSize, Concurrency: defaultConcurrency}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDownload compares Blobs.Download (retry reader, classified
// errors) with the SDK's DownloadStream body.
func BenchmarkDownload(b *testing.B) {
	s := newBlobStack(b)
	s.mkContainer(b, "bench")
	if _, err := s.upload(b, "bench", "src", randomBytes(2, benchSize), UploadOptions{}); err != nil {
		b.Fatal(err)
	}
	sdk := s.sdk(b)
	b.Run("Blobs", func(b *testing.B) {
		b.SetBytes(benchSize)
		b.ReportAllocs()
		for range b.N {
			d, err := s.blobs.Download(context.Background(), s.account, "bench", "src")
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, d.Body); err != nil || n != benchSize {
				b.Fatalf("read %d: %v", n, err)
			}
			_ = d.Body.Close()
		}
	})
	b.Run("SDK", func(b *testing.B) {
		b.SetBytes(benchSize)
		b.ReportAllocs()
		for range b.N {
			resp, err := sdk.DownloadStream(context.Background(), "bench", "src", nil)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, resp.Body); err != nil || n != benchSize {
				b.Fatalf("read %d: %v", n, err)
			}
			_ = resp.Body.Close()
		}
	})
}
