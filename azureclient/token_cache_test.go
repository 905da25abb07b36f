package azureclient

import (
	"context"
	"testing"
	"time"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestToken_Lifetimes(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		givenLife     time.Duration
		givenElapsed  time.Duration
		expectUsable  bool
		expectRefresh bool
	}{
		{name: "fresh hour token", givenLife: time.Hour, givenElapsed: 0, expectUsable: true},
		{name: "hour token, 5m01s left", givenLife: time.Hour, givenElapsed: 54*time.Minute + 59*time.Second, expectUsable: true},
		{name: "hour token, 4m59s left", givenLife: time.Hour, givenElapsed: 55*time.Minute + time.Second, expectUsable: true, expectRefresh: true},
		{name: "hour token inside the skew", givenLife: time.Hour, givenElapsed: time.Hour - time.Second, expectRefresh: true},
		{name: "hour token expired", givenLife: time.Hour, givenElapsed: time.Hour + time.Second, expectRefresh: true},
		{name: "2m token, 61s left", givenLife: 2 * time.Minute, givenElapsed: 59 * time.Second, expectUsable: true},
		{name: "2m token, 59s left", givenLife: 2 * time.Minute, givenElapsed: 61 * time.Second, expectUsable: true, expectRefresh: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := token{fetchedAt: t0, expiresOn: t0.Add(tt.givenLife)}
			now := t0.Add(tt.givenElapsed)
			if got := tok.usable(now); got != tt.expectUsable {
				t.Errorf("usable = %v, want %v", got, tt.expectUsable)
			}
			if got := tok.refreshDue(now); got != tt.expectRefresh {
				t.Errorf("refreshDue = %v, want %v", got, tt.expectRefresh)
			}
			if got := !now.Before(tok.refreshAt()); got != tt.expectRefresh {
				t.Errorf("refreshAt %v vs now %v disagrees with refreshDue", tok.refreshAt(), now)
			}
		})
	}
	if (token{}).usable(t0) {
		t.Error("the zero token is usable")
	}
}

func TestTokenCache_GetPutDelete(t *testing.T) {
	clock := newTokClock()
	c := newTokenCache(clock.Now)
	key := tokenKey(ResourceARM, ClientID("ABC"))
	if key != tokenKey(ResourceARM, ClientID("abc")) || key == tokenKey(ResourceARM, nil) || key == tokenKey(ResourceStorage, ClientID("abc")) {
		t.Errorf("keys must tell resources and identities apart, ignoring id case: %q", key)
	}
	if _, ok := c.Get(key); ok {
		t.Fatal("empty cache hit")
	}
	c.Put(key, token{value: "expired", expiresOn: clock.Now().Add(-time.Second)})
	if _, ok := c.Get(key); ok {
		t.Fatal("an expired token was stored")
	}
	want := token{value: "v", resource: ResourceARM, fetchedAt: clock.Now(), expiresOn: clock.Now().Add(time.Hour)}
	c.Put(key, want)
	if got, ok := c.Get(key); !ok || got != want {
		t.Fatalf("Get = %+v, %v; want %+v", got, ok, want)
	}
	c.Delete(key)
	if _, ok := c.Get(key); ok {
		t.Fatal("Delete kept the token")
	}
}

func TestTokenSource_RefreshAhead(t *testing.T) {
	env := tokStart(t, nil, nil)
	first := tokMustGet(t, env.ts, ResourceARM)

	env.clock.Advance(54 * time.Minute) // 6 minutes left: no refresh yet
	if tok := tokMustGet(t, env.ts, ResourceARM); tok != first {
		t.Fatal("token changed before it was due")
	}
	tokWaitIdle(t, env.ts)
	if n := env.sim.Calls(azuresim.TokenPath); n != 1 {
		t.Fatalf("identity calls = %d, want 1", n)
	}

	env.sim.Delay(azuresim.TokenPath, 300*time.Millisecond)
	env.clock.Advance(2 * time.Minute) // 4 minutes left: refresh in the background
	if tok := tokMustGet(t, env.ts, ResourceARM); tok != first {
		t.Fatal("the still-valid token did not serve while refreshing")
	}
	refreshing := false
	for deadline := time.Now().Add(250 * time.Millisecond); time.Now().Before(deadline) && !refreshing; time.Sleep(5 * time.Millisecond) {
		st, err := env.ts.Status(context.Background(), ResourceARM)
		if err != nil || !st.Cached {
			t.Fatalf("Status during refresh = %+v, %v", st, err)
		}
		refreshing = st.Refreshing
	}
	if !refreshing {
		t.Error("Status never showed Refreshing during the background refresh")
	}
	tokWaitIdle(t, env.ts)
	if n := env.sim.Calls(azuresim.TokenPath); n != 2 {
		t.Fatalf("identity calls = %d, want 2", n)
	}
	if tok := tokMustGet(t, env.ts, ResourceARM); tok == first {
		t.Fatal("the refreshed token is not served")
	}
}

func TestTokenSource_RefreshAheadShortToken(t *testing.T) {
	env := tokStart(t, []azuresim.Option{azuresim.WithTokenTTL(2 * time.Minute)}, nil)
	first := tokMustGet(t, env.ts, ResourceStorage)
	env.clock.Advance(59 * time.Second) // 61s of 120s left
	tokMustGet(t, env.ts, ResourceStorage)
	tokWaitIdle(t, env.ts)
	if n := env.sim.Calls(azuresim.TokenPath); n != 1 {
		t.Fatalf("identity calls = %d, want 1 before half the lifetime", n)
	}
	env.clock.Advance(2 * time.Second) // 59s left
	if tok := tokMustGet(t, env.ts, ResourceStorage); tok != first {
		t.Fatal("the still-valid token did not serve while refreshing")
	}
	tokWaitIdle(t, env.ts)
	if tok := tokMustGet(t, env.ts, ResourceStorage); tok == first {
		t.Fatal("no refresh after half the lifetime")
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 2 {
		t.Fatalf("identity calls = %d, want 2", n)
	}
}

func TestTokenSource_EagerRefreshFailureKeepsToken(t *testing.T) {
	env := tokStart(t, nil, nil)
	first := tokMustGet(t, env.ts, ResourceARM)
	calls := func() int { return env.sim.Calls(azuresim.TokenPath) }

	env.sim.SetIdentity(false) // the eager refresh will get 400 Identity not found
	env.clock.Advance(55*time.Minute + time.Second)
	if tok := tokMustGet(t, env.ts, ResourceARM); tok != first {
		t.Fatal("old token not served")
	}
	tokWaitIdle(t, env.ts)
	if calls() != 2 {
		t.Fatalf("identity calls = %d, want 2", calls())
	}
	st, err := env.ts.Status(context.Background(), ResourceARM)
	if err != nil || !st.Cached || KindOf(st.LastError) != KindNoIdentity {
		t.Fatalf("Status = %+v, %v; want the cached token and LastError NoIdentity", st, err)
	}

	// Within the 30 s back-off the old token serves and nothing is asked.
	for _, step := range []time.Duration{0, 10 * time.Second, 19 * time.Second} {
		env.clock.Advance(step)
		if tok := tokMustGet(t, env.ts, ResourceARM); tok != first {
			t.Fatal("old token not served during the back-off")
		}
		tokWaitIdle(t, env.ts)
		if calls() != 2 {
			t.Fatalf("identity calls inside the back-off = %d, want 2", calls())
		}
	}

	env.sim.SetIdentity(true)
	env.clock.Advance(2 * time.Second) // 31 s after the failure
	tokMustGet(t, env.ts, ResourceARM)
	tokWaitIdle(t, env.ts)
	if calls() != 3 {
		t.Fatalf("identity calls after the back-off = %d, want 3", calls())
	}
	if tok := tokMustGet(t, env.ts, ResourceARM); tok == first {
		t.Fatal("the refreshed token is not served")
	}
	if st, _ := env.ts.Status(context.Background(), ResourceARM); st.LastError != nil {
		t.Errorf("LastError = %v after a success, want nil", st.LastError)
	}
}

func TestTokenSource_ExpiredTokenNeverReturned(t *testing.T) {
	tests := []struct {
		name       string
		givenAfter time.Duration
	}{
		{name: "inside the expiry skew", givenAfter: time.Hour - 2*time.Second},
		{name: "expired", givenAfter: time.Hour + time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tokStart(t, nil, nil)
			tokMustGet(t, env.ts, ResourceARM)
			env.sim.SetIdentity(false)
			env.clock.Advance(tt.givenAfter)
			tok, err := tokGet(t, env.ts, ResourceARM)
			if tok != "" {
				t.Fatal("an expired token was handed out")
			}
			tokAssertKind(t, err, KindNoIdentity)
			st, err := env.ts.Status(context.Background(), ResourceARM)
			tokAssertKind(t, err, KindNoIdentity)
			if !st.ExpiresOn.IsZero() || st.Cached {
				t.Errorf("Status describes the expired token: %+v", st)
			}
		})
	}
}
