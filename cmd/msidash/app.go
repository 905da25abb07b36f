package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/azureclient/secrets"
)

// app is the set of Azure clients one msidash process uses.
type app struct {
	tokens   *azureclient.TokenSource
	arm      *azureclient.ARM // nil when the subscription or group is unknown
	blobs    *azureclient.Blobs
	doctor   *azureclient.Doctor
	instance *instanceMemo
}

// newApp builds the clients. Without --subscription-id and --resource-group
// it asks IMDS instance metadata for them; if that fails the dashboard still
// starts, and the doctor explains what is missing.
func newApp(ctx context.Context, cfg config, log *slog.Logger, red *secrets.Redactor) (*app, error) {
	var id azureclient.Identity
	switch {
	case cfg.clientID != "":
		id = azureclient.ClientID(cfg.clientID)
	case cfg.objectID != "":
		id = azureclient.ObjectID(cfg.objectID)
	case cfg.msiResID != "":
		id = azureclient.ResourceID(cfg.msiResID)
	}
	tokens, err := azureclient.NewTokenSource(&azureclient.TokenSourceOptions{
		IMDSEndpoint: cfg.imdsEndpoint, MSIEndpoint: cfg.msiEndpoint, Identity: id,
		Logger: log, Redactor: red,
	})
	if err != nil {
		return nil, err
	}
	a := &app{tokens: tokens, instance: &instanceMemo{endpoint: cfg.imdsEndpoint, log: log}}
	sub, rg := cfg.subscriptionID, cfg.resourceGroup
	if sub == "" {
		dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		in, err := a.instance.get(dctx)
		cancel()
		if err != nil {
			log.Warn("subscription and resource group unknown: IMDS instance metadata failed; pass --subscription-id and --resource-group", slog.Any("err", err))
		}
		sub, rg = in.SubscriptionID, in.ResourceGroup
	}
	if sub != "" && rg != "" {
		a.arm, err = azureclient.NewARM(tokens, &azureclient.ARMOptions{
			Endpoint: cfg.armEndpoint, Resource: cfg.armResource, SubscriptionID: sub, ResourceGroup: rg,
			Logger: log, Redactor: red,
		})
		if err != nil {
			return nil, err
		}
	}
	if a.arm != nil {
		a.blobs, err = azureclient.NewBlobs(a.arm, tokens, &azureclient.BlobsOptions{Auth: cfg.storageAuth, Logger: log})
		if err != nil {
			return nil, err
		}
	}
	a.doctor = azureclient.NewDoctor(azureclient.DoctorDeps{
		Tokens: tokens, ARM: a.arm, Blobs: a.blobs, IMDSEndpoint: cfg.imdsEndpoint,
		StorageAuth: cfg.storageAuth, Logger: log,
	})
	return a, nil
}

// instanceMemo keeps the VM's instance metadata once read: it does not
// change while the VM runs, and IMDS allows only 5 requests a second.
type instanceMemo struct {
	endpoint string
	log      *slog.Logger

	mu sync.Mutex
	in *azureclient.Instance
}

func (m *instanceMemo) get(ctx context.Context) (azureclient.Instance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.in != nil {
		return *m.in, nil
	}
	in, err := azureclient.GetInstance(ctx, m.endpoint, &azureclient.InstanceOptions{Logger: m.log})
	if err != nil {
		return azureclient.Instance{}, err
	}
	m.in = &in
	return in, nil
}
