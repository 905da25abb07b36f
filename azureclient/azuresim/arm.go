package azuresim

import "net/http"

func (s *Sim) serveARM(w http.ResponseWriter, r *http.Request) {
	writeARMError(w, http.StatusNotImplemented, "NotImplemented", "ARM is coming")
}
