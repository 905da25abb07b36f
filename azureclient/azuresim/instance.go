package azuresim

import (
	"net/http"
	"strings"
)

// minInstanceVersion is the oldest api-version instance metadata accepts.
const minInstanceVersion = "2017-03-01"

// instanceVersions are the newest versions IMDS lists when api-version is missing.
func instanceVersions() []string { return []string{"2021-01-01", "2021-02-01", "2021-03-01"} }

// instanceResponse is the part of /metadata/instance msidash and the demo use,
// https://learn.microsoft.com/azure/virtual-machines/instance-metadata-service#instance-metadata
type instanceResponse struct {
	Compute instanceCompute `json:"compute"`
	Network instanceNetwork `json:"network"`
}

type instanceCompute struct {
	AzEnvironment     string `json:"azEnvironment"`
	Location          string `json:"location"`
	Name              string `json:"name"`
	OSType            string `json:"osType"`
	Provider          string `json:"provider"`
	ResourceGroupName string `json:"resourceGroupName"`
	ResourceID        string `json:"resourceId"`
	SubscriptionID    string `json:"subscriptionId"`
	Tags              string `json:"tags"`
	VMID              string `json:"vmId"`
	VMSize            string `json:"vmSize"`
	Zone              string `json:"zone"`
}

type instanceNetwork struct {
	Interface []instanceInterface `json:"interface"`
}

type instanceInterface struct {
	IPv4       instanceIPv4 `json:"ipv4"`
	IPv6       instanceIPv6 `json:"ipv6"`
	MACAddress string       `json:"macAddress"`
}

type instanceIPv4 struct {
	IPAddress []instanceIP     `json:"ipAddress"`
	Subnet    []instanceSubnet `json:"subnet"`
}

type instanceIPv6 struct {
	IPAddress []instanceIP `json:"ipAddress"`
}

type instanceIP struct {
	PrivateIPAddress string `json:"privateIpAddress"`
	PublicIPAddress  string `json:"publicIpAddress"`
}

type instanceSubnet struct {
	Address string `json:"address"`
	Prefix  string `json:"prefix"`
}

// serveInstance answers GET /metadata/instance. Its errors are IMDS's
// instance-metadata shape ({"error": "..."}), not the OAuth shape of the
// identity endpoint.
func (s *Sim) serveInstance(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "Method not allowed"})
		return
	}
	if r.Header.Get(headerForwardedFor) != "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Bad request. Requests with X-Forwarded-For header are not allowed"})
		return
	}
	if !strings.EqualFold(r.Header.Get(headerMetadata), "true") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Bad request. Required metadata header not specified"})
		return
	}
	v := r.URL.Query().Get(paramAPIVersion)
	if v == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error":           "Bad request. api-version was not specified in the request. For more information refer to aka.ms/azureimds",
			"newest-versions": instanceVersions(),
		})
		return
	}
	if !validAPIVersion(v, minInstanceVersion) {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error":           "Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds",
			"newest-versions": instanceVersions(),
		})
		return
	}
	writeJSON(w, http.StatusOK, instanceResponse{
		Compute: instanceCompute{
			AzEnvironment:     "AzurePublicCloud",
			Location:          DefaultLocation,
			Name:              DefaultVMName,
			OSType:            "Linux",
			Provider:          "Microsoft.Compute",
			ResourceGroupName: DefaultResourceGroup,
			ResourceID:        vmID(DefaultSubscriptionID, DefaultResourceGroup, DefaultVMName),
			SubscriptionID:    DefaultSubscriptionID,
			Tags:              "env:demo",
			VMID:              DefaultVMID,
			VMSize:            "Standard_B2s",
			Zone:              "1",
		},
		Network: instanceNetwork{Interface: []instanceInterface{{
			IPv4: instanceIPv4{
				IPAddress: []instanceIP{{PrivateIPAddress: "10.0.0.4"}},
				Subnet:    []instanceSubnet{{Address: "10.0.0.0", Prefix: "24"}},
			},
			IPv6:       instanceIPv6{IPAddress: []instanceIP{}},
			MACAddress: "000D3A2B4C5D",
		}}},
	})
}
