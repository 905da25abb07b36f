package azuresim

import (
	"net/http"
	"strings"
)

// ARM api-versions: armresources v1.2.0 sends 2021-04-01 and armstorage
// v1.8.1 sends 2024-01-01. The simulator takes any date-form version from
// the oldest one msidash supports: 2016-09-01 for resources, 2016-12-01 for
// storage (the first with listKeys as the tutorials use it).
const (
	minResourcesVersion = "2016-09-01"
	minStorageVersion   = "2016-12-01"
)

// armRequest is a parsed ARM path: segments in their original case plus a
// lower-cased copy for matching (ARM paths are case-insensitive; armresources
// writes "resourcegroups", armstorage "resourceGroups").
type armRequest struct {
	seg, lower []string
	claims     claims
}

// serveARM authenticates, checks api-version, then routes the ARM paths the
// simulator knows.
func (s *Sim) serveARM(w http.ResponseWriter, r *http.Request) {
	c, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(seg) < 2 {
		writeARMError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found for path '"+r.URL.Path+"'.")
		return
	}
	req := armRequest{seg: seg, lower: make([]string, len(seg)), claims: c}
	for i, p := range seg {
		req.lower[i] = strings.ToLower(p)
	}
	minVersion := minResourcesVersion
	if len(seg) > 5 && req.lower[5] == "microsoft.storage" {
		minVersion = minStorageVersion
	}
	v := r.URL.Query().Get(paramAPIVersion)
	if v == "" {
		writeARMError(w, http.StatusBadRequest, "MissingApiVersionParameter",
			"The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	if !validAPIVersion(v, minVersion) {
		writeARMError(w, http.StatusBadRequest, "InvalidApiVersionParameter",
			"The api-version '"+v+"' is invalid. The supported versions are from '"+minVersion+"' on.")
		return
	}
	if !strings.EqualFold(seg[1], DefaultSubscriptionID) {
		writeARMError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+seg[1]+"' could not be found.")
		return
	}
	method := r.Method
	switch {
	case req.is("subscriptions", "*", "resourcegroups", "*"):
		s.onlyGET(w, method, func() { s.getResourceGroup(w, req) })
	case req.is("subscriptions", "*", "resourcegroups", "*", "resources"):
		s.onlyGET(w, method, func() { s.listResources(w, req) })
	case req.is("subscriptions", "*", "resourcegroups", "*", "providers", "microsoft.storage", "storageaccounts"):
		s.onlyGET(w, method, func() { s.listStorageAccounts(w, req) })
	case req.is("subscriptions", "*", "resourcegroups", "*", "providers", "microsoft.storage", "storageaccounts", "*"):
		s.onlyGET(w, method, func() { s.getStorageAccount(w, req) })
	case req.is("subscriptions", "*", "resourcegroups", "*", "providers", "microsoft.storage", "storageaccounts", "*", "listkeys"):
		if method != http.MethodPost {
			writeMethodNotAllowed(w, method)
			return
		}
		s.listKeys(w, req)
	default:
		writeARMError(w, http.StatusNotFound, "InvalidResourceType",
			"The resource type could not be found for path '"+r.URL.Path+"' and api version '"+v+"'.")
	}
}

// is matches the lower-cased segments against a pattern where "*" is any segment.
func (a armRequest) is(pattern ...string) bool {
	if len(a.lower) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		if p != "*" && p != a.lower[i] {
			return false
		}
	}
	return true
}

func (s *Sim) onlyGET(w http.ResponseWriter, method string, serve func()) {
	if method != http.MethodGet {
		writeMethodNotAllowed(w, method)
		return
	}
	serve()
}

// writeMethodNotAllowed: the simulator is read-only (bar listKeys).
func writeMethodNotAllowed(w http.ResponseWriter, method string) {
	writeARMError(w, http.StatusMethodNotAllowed, "MethodNotAllowed",
		"The requested resource does not support http method '"+method+"'.")
}

// writeARM answers a successful ARM read.
func writeARM(w http.ResponseWriter, v any) {
	setARMHeaders(w)
	w.Header().Set("x-ms-ratelimit-remaining-subscription-reads", "11999")
	writeJSON(w, http.StatusOK, v)
}
