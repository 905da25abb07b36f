package azureclient

import (
	"context"
	"time"
)

const armRGKey = "rg"

// ResourceGroup returns the resource group and the resources in it, as
// `az group show` and `az resource list -g` would. Needs Reader on the group.
func (a *ARM) ResourceGroup(ctx context.Context) (ResourceGroup, error) {
	return cached(ctx, a, armRGKey, a.ttl, a.fetchResourceGroup)
}

func (a *ARM) fetchResourceGroup(ctx context.Context) (ResourceGroup, error) {
	const op = "arm.ResourceGroup"
	start := time.Now()
	t := armTarget{what: "read resource group " + a.rg, role: RoleReader, scope: a.rgID()}

	resp, err := a.groups.Get(ctx, a.rg, nil)
	if err != nil {
		err = a.armError(ctx, op, err, t)
		a.logCall(ctx, op, start, err)
		return ResourceGroup{}, err
	}
	g := ResourceGroup{
		ID:       armVal(resp.ID),
		Name:     armVal(resp.Name),
		Location: armVal(resp.Location),
		Tags:     map[string]string{},
	}
	if resp.Properties != nil {
		g.ProvisioningState = armVal(resp.Properties.ProvisioningState)
	}
	for k, v := range resp.Tags {
		g.Tags[k] = armVal(v)
	}

	t.what = "list the resources of resource group " + a.rg
	g.Resources = []Resource{}
	pager := a.res.NewListByResourceGroupPager(a.rg, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			err = a.armError(ctx, op, err, t)
			a.logCall(ctx, op, start, err)
			return ResourceGroup{}, err
		}
		for _, r := range page.Value {
			if r == nil {
				continue
			}
			g.Resources = append(g.Resources, Resource{
				ID:       armVal(r.ID),
				Name:     armVal(r.Name),
				Type:     armVal(r.Type),
				Location: armVal(r.Location),
			})
		}
	}
	a.logCall(ctx, op, start, nil)
	return g, nil
}

// armVal returns *p, or the zero value for nil.
func armVal[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
