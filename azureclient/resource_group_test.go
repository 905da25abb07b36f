package azureclient

import (
	"context"
	"strings"
	"testing"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestARM_ResourceGroup(t *testing.T) {
	tests := []struct {
		name          string
		givenRG       string
		givenRevoke   bool
		givenSubRead  bool // Reader on the whole subscription
		expectKind    Kind
		expectInMsg   []string
		expectInHint  []string
		expectRole    string
		expectScopeRG string
	}{
		{name: "reads the group and its resources", givenRG: azuresim.DefaultResourceGroup},
		{
			name: "Reader revoked", givenRG: azuresim.DefaultResourceGroup, givenRevoke: true,
			expectKind:    KindForbidden,
			expectInMsg:   []string{"read resource group " + azuresim.DefaultResourceGroup, "Reader"},
			expectInHint:  []string{`az role assignment create --assignee ` + azuresim.ObjectID + ` --role "Reader" --scope /subscriptions/` + azuresim.DefaultSubscriptionID + `/resourceGroups/` + azuresim.DefaultResourceGroup, "Access control (IAM)", "minutes"},
			expectRole:    RoleReader,
			expectScopeRG: azuresim.DefaultResourceGroup,
		},
		{
			// ARM checks access before existence: only with a role above the
			// group does a missing group answer 404.
			name: "resource group missing", givenRG: "no-such-rg", givenSubRead: true,
			expectKind:   KindNotFound,
			expectInMsg:  []string{`"no-such-rg"`, azuresim.DefaultSubscriptionID},
			expectInHint: []string{"--resource-group"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newARMStack(t, nil, func(o *ARMOptions) { o.ResourceGroup = tt.givenRG })
			if tt.givenRevoke {
				s.sim.RevokeRole(azuresim.RoleReader, s.sim.RGScope())
			}
			if tt.givenSubRead {
				s.sim.GrantRole(azuresim.RoleReader, "/subscriptions/"+azuresim.DefaultSubscriptionID)
			}
			g, err := s.arm.ResourceGroup(context.Background())
			if tt.expectKind == KindUnknown {
				if err != nil {
					t.Fatalf("ResourceGroup: %v", err)
				}
				if g.Name != azuresim.DefaultResourceGroup || g.Location != azuresim.DefaultLocation || g.ID != s.sim.RGScope() {
					t.Errorf("group = %+v", g)
				}
				if g.ProvisioningState != "Succeeded" || g.Tags == nil {
					t.Errorf("state %q tags %v", g.ProvisioningState, g.Tags)
				}
				if len(g.Resources) == 0 {
					t.Error("no resources listed")
				}
				for _, r := range g.Resources {
					if r.ID == "" || r.Name == "" || r.Type == "" {
						t.Errorf("incomplete resource %+v", r)
					}
				}
				return
			}
			e := armAsError(t, err, tt.expectKind)
			for _, want := range tt.expectInMsg {
				if !strings.Contains(e.Message, want) {
					t.Errorf("message %q lacks %q", e.Message, want)
				}
			}
			for _, want := range tt.expectInHint {
				if !strings.Contains(e.Hint, want) {
					t.Errorf("hint %q lacks %q", e.Hint, want)
				}
			}
			if e.Role != tt.expectRole {
				t.Errorf("role = %q, want %q", e.Role, tt.expectRole)
			}
			if tt.expectScopeRG != "" && e.Scope != "/subscriptions/"+azuresim.DefaultSubscriptionID+"/resourceGroups/"+tt.expectScopeRG {
				t.Errorf("scope = %q", e.Scope)
			}
			// Errors are not cached: granting the role back fixes the next read.
			if tt.givenRevoke {
				s.sim.GrantRole(azuresim.RoleReader, s.sim.RGScope())
				if _, err := s.arm.ResourceGroup(context.Background()); err != nil {
					t.Errorf("after re-grant: %v", err)
				}
			}
		})
	}
}

func TestARM_ForbiddenHintWithoutObjectID(t *testing.T) {
	// The token source cannot answer (identity off), so the hint keeps a
	// placeholder for the admin to fill in rather than inventing an id.
	sim := azuresim.Start(t)
	s := newARMStack(t, sim)
	a := s.arm
	sim.SetIdentity(false)
	hint := a.roleHint(context.Background(), RoleReader, a.rgID())
	if !strings.Contains(hint, "--assignee "+objectIDPlaceholder+" ") {
		t.Errorf("hint %q lacks the placeholder", hint)
	}
}
