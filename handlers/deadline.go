package handlers

import (
	"io"
	"net/http"
	"time"
)

// transferIdle is how long a streamed transfer may stall before the
// connection is dropped. The server has no overall read or write timeout (a
// 5 GiB download takes as long as it takes); each read or write instead
// pushes a rolling deadline.
const transferIdle = 2 * time.Minute

// rollingReader extends the connection's read deadline before every read.
type rollingReader struct {
	r  io.Reader
	rc *http.ResponseController
}

func (r rollingReader) Read(p []byte) (int, error) {
	_ = r.rc.SetReadDeadline(time.Now().Add(transferIdle))
	return r.r.Read(p)
}

// rollingWriter extends the connection's write deadline before every write.
type rollingWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (w rollingWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(transferIdle))
	return w.w.Write(p)
}
