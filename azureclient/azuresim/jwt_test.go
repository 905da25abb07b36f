package azuresim

import (
	"strings"
	"testing"
	"time"
)

func TestJWT_ParseRejects(t *testing.T) {
	secret := []byte("secret-one")
	good, _ := mint(secret, DefaultTenantID, identity{clientID: ClientID, objectID: ObjectID}, armRes, fixedNow, time.Hour)
	parts := strings.Split(good, ".")
	tests := []struct {
		name        string
		givenSecret []byte
		givenToken  string
		expectOK    bool
	}{
		{name: "valid", givenSecret: secret, givenToken: good, expectOK: true},
		{name: "other secret", givenSecret: []byte("secret-two"), givenToken: good},
		{name: "two parts", givenSecret: secret, givenToken: parts[0] + "." + parts[1]},
		{name: "payload swapped", givenSecret: secret, givenToken: parts[0] + "." + parts[0] + "." + parts[2]},
		{name: "signature not base64url", givenSecret: secret, givenToken: parts[0] + "." + parts[1] + ".***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseJWT(tt.givenSecret, tt.givenToken)
			if (err == nil) != tt.expectOK {
				t.Fatalf("err = %v, want ok %v", err, tt.expectOK)
			}
			if tt.expectOK && (c.OID != ObjectID || c.Ver != "1.0" || c.Sub != ObjectID) {
				t.Errorf("claims %+v", c)
			}
		})
	}
}
