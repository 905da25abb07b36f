package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

// tokenJSON is the contract's token status; it never holds the token.
type tokenJSON struct {
	Resource  string       `json:"resource"`
	TokenType string       `json:"token_type"`
	ExpiresOn string       `json:"expires_on"`
	ExpiresIn int64        `json:"expires_in"`
	Source    string       `json:"source"`
	Cached    bool         `json:"cached"`
	FetchedAt string       `json:"fetched_at"`
	Identity  identityJSON `json:"identity"`
}

type identityJSON struct {
	ClientID   string `json:"client_id"`
	ObjectID   string `json:"object_id"`
	TenantID   string `json:"tenant_id"`
	ResourceID string `json:"resource_id"`
}

func (h *Handlers) apiToken(c echo.Context) error {
	st, err := h.tokens.Status(c.Request().Context(), resourceParam(c))
	return h.tokenAnswer(c, st, err)
}

func (h *Handlers) apiTokenRefresh(c echo.Context) error {
	st, err := h.tokens.Refresh(c.Request().Context(), resourceParam(c))
	return h.tokenAnswer(c, st, err)
}

func (h *Handlers) tokenAnswer(c echo.Context, st azureclient.TokenStatus, err error) error {
	if err != nil {
		return err
	}
	if st.ExpiresOn.IsZero() {
		if st.LastError != nil {
			return st.LastError
		}
		return &apiError{Status: http.StatusServiceUnavailable, Code: "TokenPending",
			Message: "the identity endpoint has not answered yet", Hint: "retry in a few seconds"}
	}
	return c.JSON(http.StatusOK, newTokenJSON(st, h.now()))
}

// tokenRefreshFragment is the overview's Refresh button.
func (h *Handlers) tokenRefreshFragment(c echo.Context) error {
	st, err := h.tokens.Refresh(c.Request().Context(), azureclient.ResourceARM)
	if !isHTMX(c) {
		return redirectAfterPost(c, web.OverviewPath())
	}
	return render(c, http.StatusOK, web.TokenCardView(newTokenCard(st, err, h.now())))
}

func resourceParam(c echo.Context) string {
	if r := c.QueryParam("resource"); r != "" {
		return r
	}
	return azureclient.ResourceARM
}

func newTokenJSON(st azureclient.TokenStatus, now time.Time) tokenJSON {
	return tokenJSON{
		Resource:  st.Resource,
		TokenType: st.TokenType,
		ExpiresOn: rfc3339(st.ExpiresOn),
		ExpiresIn: int64(st.ExpiresOn.Sub(now).Seconds()),
		Source:    st.Source,
		Cached:    st.Cached,
		FetchedAt: rfc3339(st.FetchedAt),
		Identity: identityJSON{
			ClientID: st.Identity.ClientID, ObjectID: st.Identity.ObjectID,
			TenantID: st.Identity.TenantID, ResourceID: st.Identity.ResourceID,
		},
	}
}

// newTokenCard builds the overview's token card from a status and the error
// of the call that produced it.
func newTokenCard(st azureclient.TokenStatus, err error, now time.Time) web.TokenCard {
	card := web.TokenCard{
		Available:        !st.ExpiresOn.IsZero() && st.ExpiresOn.After(now),
		Resource:         st.Resource,
		Source:           st.Source,
		TokenType:        st.TokenType,
		ClientID:         st.Identity.ClientID,
		ObjectID:         st.Identity.ObjectID,
		TenantID:         st.Identity.TenantID,
		ResourceID:       st.Identity.ResourceID,
		ExpiresIn:        web.HumanDuration(st.ExpiresOn.Sub(now)),
		ExpiresAtRFC3339: rfc3339(st.ExpiresOn),
		FetchedAt:        web.HumanTime(st.FetchedAt, now),
		FetchedAtExact:   web.ExactTime(st.FetchedAt),
		Cached:           st.Cached,
		Refreshing:       st.Refreshing,
		RefreshURL:       web.TokenRefreshPath(),
	}
	switch {
	case err != nil:
		card.LastError = alertFor(err)
	case st.LastError != nil:
		card.LastError = alertFor(st.LastError)
	}
	return card
}

// rfc3339 formats t as the contract's times are: RFC 3339 UTC, "" when unset.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
