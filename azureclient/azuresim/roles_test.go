package azuresim

import "testing"

func TestSim_AllowedInheritsScopes(t *testing.T) {
	s := New()
	tests := []struct {
		name        string
		givenAction string
		givenScope  string
		expectOK    bool
	}{
		{name: "reader on rg reads rg", givenAction: actionRGRead, givenScope: s.RGScope(), expectOK: true},
		{name: "scope case-insensitive", givenAction: actionRGRead, givenScope: "/SUBSCRIPTIONS/" + DefaultSubscriptionID + "/resourcegroups/MSIDASH-DEMO", expectOK: true},
		{name: "reader inherited by account", givenAction: actionStorageRead, givenScope: s.AccountScope("any"), expectOK: true},
		{name: "no prefix match across names", givenAction: actionRGRead, givenScope: s.RGScope() + "-other"},
		{name: "key operator on its account", givenAction: actionStorageListKeys, givenScope: s.AccountScope(DefaultAccount), expectOK: true},
		{name: "key operator not on another account", givenAction: actionStorageListKeys, givenScope: s.AccountScope("other")},
		{name: "nothing on subscription", givenAction: actionRGRead, givenScope: s.SubscriptionScope()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.allowed(tt.givenAction, tt.givenScope); got != tt.expectOK {
				t.Errorf("allowed = %v, want %v", got, tt.expectOK)
			}
		})
	}
}
