package azureclient

import (
	"context"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/azuritetest"
	"github.com/msidash/msidash/azureclient/secrets/secrettest"
)

var doctorCheckNames = []string{
	CheckIdentityEndpoint, CheckManagedIdentity, CheckARMToken, CheckScopeKnown,
	CheckReader, CheckAccountsListed, CheckKeysReadable, CheckBlobEndpoint,
}

// Short names keep the expected status rows readable.
const (
	chkP = CheckPass
	chkF = CheckFail
	chkS = CheckSkip
)

// doctorScene is what a doctor test case sets up.
type doctorScene struct {
	sim    *azuresim.Sim
	tokens *TokenSource
	arm    *ARM
	imds   string
	blobs  *Blobs
	logs   *secrettest.Buffer
}

func TestDoctor_Run(t *testing.T) {
	tests := []struct {
		name         string
		givenSimOpts []azuresim.Option
		givenSetup   func(t *testing.T, s *doctorScene)
		expect       []string // statuses in check order
		expectFailed string   // the failing check whose message/hint is checked
		expectInMsg  []string
		expectInHint []string
	}{
		{
			name:   "all pass, no blob client",
			expect: []string{chkP, chkP, chkP, chkP, chkP, chkP, chkP, chkS},
		},
		{
			name:       "identity off",
			givenSetup: func(t *testing.T, s *doctorScene) { s.sim.SetIdentity(false) },
			expect:     []string{chkP, chkF, chkS, chkP, chkS, chkS, chkS, chkS}, expectFailed: CheckManagedIdentity,
			expectInMsg: []string{"Identity not found"}, expectInHint: []string{"az vm identity assign"},
		},
		{
			name: "identity endpoint down",
			givenSetup: func(t *testing.T, s *doctorScene) {
				s.rebuild(t, armClosedURL(t), s.sim.URL())
			},
			expect: []string{chkF, chkS, chkS, chkP, chkS, chkS, chkS, chkS}, expectFailed: CheckIdentityEndpoint,
			expectInMsg: []string{"did not answer"}, expectInHint: []string{"169.254.169.254"},
		},
		{
			name:       "Reader revoked",
			givenSetup: func(t *testing.T, s *doctorScene) { s.sim.RevokeRole(azuresim.RoleReader, s.sim.RGScope()) },
			expect:     []string{chkP, chkP, chkP, chkP, chkF, chkS, chkS, chkS}, expectFailed: CheckReader,
			expectInMsg: []string{azuresim.DefaultResourceGroup, "Reader"},
			expectInHint: []string{`az role assignment create --assignee ` + azuresim.ObjectID + ` --role "Reader" --scope /subscriptions/` +
				azuresim.DefaultSubscriptionID + `/resourceGroups/` + azuresim.DefaultResourceGroup},
		},
		{
			name: "key operator revoked on one of two accounts",
			givenSimOpts: []azuresim.Option{azuresim.WithAccounts(
				azuresim.Account{Name: "msidashdemo"}, azuresim.Account{Name: "msidashlocked"})},
			givenSetup: func(t *testing.T, s *doctorScene) {
				s.sim.RevokeRole(azuresim.RoleKeyOperator, s.sim.AccountScope("msidashlocked"))
			},
			expect: []string{chkP, chkP, chkP, chkP, chkP, chkP, chkF, chkS}, expectFailed: CheckKeysReadable,
			expectInMsg:  []string{"msidashlocked"},
			expectInHint: []string{`--role "` + RoleKeyOperator + `" --scope ` + "/subscriptions/" + azuresim.DefaultSubscriptionID + "/resourceGroups/" + azuresim.DefaultResourceGroup + "/providers/Microsoft.Storage/storageAccounts/msidashlocked", actionListKeys},
		},
		{
			name:         "no storage accounts",
			givenSimOpts: []azuresim.Option{azuresim.WithAccounts()},
			expect:       []string{chkP, chkP, chkP, chkP, chkP, chkF, chkS, chkS}, expectFailed: CheckAccountsListed,
			expectInMsg: []string{"no storage accounts"}, expectInHint: []string{"az storage account create"},
		},
		{
			name: "ARM down",
			givenSetup: func(t *testing.T, s *doctorScene) {
				s.rebuild(t, s.sim.URL(), armClosedURL(t))
			},
			expect: []string{chkP, chkP, chkP, chkP, chkF, chkS, chkS, chkS}, expectFailed: CheckReader,
			expectInMsg: []string{"could not be reached"}, expectInHint: []string{"outbound network"},
		},
		{
			name:       "subscription and group unknown",
			givenSetup: func(t *testing.T, s *doctorScene) { s.arm = nil },
			expect:     []string{chkP, chkP, chkP, chkF, chkS, chkS, chkS, chkS}, expectFailed: CheckScopeKnown,
			expectInHint: []string{"--subscription-id", "--resource-group"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDoctorScene(t, azuresim.Start(t, tt.givenSimOpts...))
			if tt.givenSetup != nil {
				tt.givenSetup(t, s)
			}
			checks := s.doctor().Run(context.Background())
			doctorAssert(t, checks, tt.expect)
			for _, c := range checks {
				if c.Status == CheckFail && c.Hint == "" {
					t.Errorf("%q failed without a hint", c.Name)
				}
				if c.Status == CheckSkip && c.Message == "" {
					t.Errorf("%q skipped without saying why", c.Name)
				}
				if c.Name != tt.expectFailed {
					continue
				}
				for _, want := range tt.expectInMsg {
					if !strings.Contains(c.Message, want) {
						t.Errorf("%q message %q lacks %q", c.Name, c.Message, want)
					}
				}
				for _, want := range tt.expectInHint {
					if !strings.Contains(c.Hint, want) {
						t.Errorf("%q hint %q lacks %q", c.Name, c.Hint, want)
					}
				}
			}
			// A skip names the check it waited for.
			for i, c := range checks {
				if c.Status == CheckSkip && i < 7 && !strings.Contains(c.Message, `"`) {
					t.Errorf("%q skip message %q names no prerequisite", c.Name, c.Message)
				}
			}
			s.assertNoSecrets(t, checks)
		})
	}
}

func TestDoctor_BlobEndpoint(t *testing.T) {
	tests := []struct {
		name         string
		givenAzurite bool // else the blob endpoint is a closed port
		expect       []string
		expectInMsg  string
	}{
		{name: "all pass with Azurite", givenAzurite: true, expect: []string{chkP, chkP, chkP, chkP, chkP, chkP, chkP, chkP}},
		{name: "blob endpoint unreachable", expect: []string{chkP, chkP, chkP, chkP, chkP, chkP, chkP, chkF}, expectInMsg: azuresim.DefaultAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := azuresim.Start(t)
			endpoint := armClosedURL(t) + "/" + azuresim.DefaultAccount
			if tt.givenAzurite {
				az := azuritetest.Start(t, azuritetest.Account{Name: azuresim.DefaultAccount, Key1: azuresim.DemoKey1, Key2: azuresim.DemoKey2})
				endpoint = az.BlobEndpoint(azuresim.DefaultAccount)
			}
			sim.SetAccountBlobEndpoint(azuresim.DefaultAccount, endpoint)
			s := newDoctorScene(t, sim)
			blobs, err := NewBlobs(s.arm, s.tokens, &BlobsOptions{ClientOptions: azcore.ClientOptions{
				Retry: policy.RetryOptions{MaxRetries: 1, RetryDelay: 1},
			}})
			if err != nil {
				t.Fatal(err)
			}
			s.blobs = blobs
			checks := s.doctor().Run(context.Background())
			doctorAssert(t, checks, tt.expect)
			last := checks[len(checks)-1]
			if !strings.Contains(last.Message, tt.expectInMsg) {
				t.Errorf("message %q lacks %q", last.Message, tt.expectInMsg)
			}
			if last.Status == CheckFail && last.Hint == "" {
				t.Error("blob check failed without a hint")
			}
			s.assertNoSecrets(t, checks)
		})
	}
}

func TestDoctor_AADHintNamesDataRoles(t *testing.T) {
	sim := azuresim.Start(t)
	sim.SetAccountBlobEndpoint(azuresim.DefaultAccount, armClosedURL(t)+"/"+azuresim.DefaultAccount)
	s := newDoctorScene(t, sim)
	blobs, err := NewBlobs(s.arm, s.tokens, &BlobsOptions{Auth: StorageAuthAAD, ClientOptions: azcore.ClientOptions{
		Retry: policy.RetryOptions{MaxRetries: 1, RetryDelay: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.blobs = blobs
	d := NewDoctor(DoctorDeps{Tokens: s.tokens, ARM: s.arm, Blobs: blobs, IMDSEndpoint: s.imds, StorageAuth: StorageAuthAAD})
	checks := d.Run(context.Background())
	doctorAssert(t, checks, []string{chkP, chkP, chkP, chkP, chkP, chkP, chkP, chkF})
	if hint := checks[7].Hint; !strings.Contains(hint, "Storage Blob Data Reader/Contributor") {
		t.Errorf("aad hint %q does not name the data roles", hint)
	}
}

func newDoctorScene(t *testing.T, sim *azuresim.Sim) *doctorScene {
	s := &doctorScene{sim: sim}
	s.rebuild(t, sim.URL(), sim.URL())
	return s
}

// rebuild points the token source at imds and ARM at arm.
func (s *doctorScene) rebuild(t *testing.T, imds, armEndpoint string) {
	t.Helper()
	st := newARMStack(t, s.sim, func(o *ARMOptions) {
		o.Endpoint = armEndpoint
		o.ClientOptions.Retry = policy.RetryOptions{MaxRetries: 1, RetryDelay: 1}
	})
	if imds != s.sim.URL() {
		tokens, err := NewTokenSource(&TokenSourceOptions{
			IMDSEndpoint:  imds,
			ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: 1, RetryDelay: 1}},
		})
		if err != nil {
			t.Fatal(err)
		}
		a, err := NewARM(tokens, &ARMOptions{Endpoint: armEndpoint, SubscriptionID: azuresim.DefaultSubscriptionID, ResourceGroup: azuresim.DefaultResourceGroup})
		if err != nil {
			t.Fatal(err)
		}
		st.tokens, st.arm = tokens, a
	}
	s.tokens, s.arm, s.imds, s.logs = st.tokens, st.arm, imds, st.logs
}

func (s *doctorScene) doctor() *Doctor {
	return NewDoctor(DoctorDeps{Tokens: s.tokens, ARM: s.arm, Blobs: s.blobs, IMDSEndpoint: s.imds})
}

// assertNoSecrets scans every check and the logs for tokens and keys.
func (s *doctorScene) assertNoSecrets(t *testing.T, checks []Check) {
	t.Helper()
	var all strings.Builder
	for _, c := range checks {
		all.WriteString(c.Name + c.Message + c.Hint)
	}
	secrets := s.sim.IssuedTokens()
	k1, k2 := s.sim.Keys(azuresim.DefaultAccount)
	secrets = append(secrets, k1, k2)
	secrettest.AssertNone(t, "checks", all.String(), secrets...)
	secrettest.AssertNone(t, "logs", s.logs.String(), secrets...)
}

func doctorAssert(t *testing.T, checks []Check, expect []string) {
	t.Helper()
	if len(checks) != len(doctorCheckNames) {
		t.Fatalf("got %d checks, want %d", len(checks), len(doctorCheckNames))
	}
	for i, c := range checks {
		t.Logf("%-40s %-4s %s | %s", c.Name, c.Status, c.Message, c.Hint)
		if c.Name != doctorCheckNames[i] {
			t.Errorf("check %d is %q, want %q", i, c.Name, doctorCheckNames[i])
		}
		if c.Status != expect[i] {
			t.Errorf("%q: status %s, want %s (message %q, hint %q)", c.Name, c.Status, expect[i], c.Message, c.Hint)
		}
	}
}
