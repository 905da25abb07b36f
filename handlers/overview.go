package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

// overviewBudget bounds the overview: a slow part shows its error in place
// rather than holding the whole page.
const overviewBudget = 5 * time.Second

// overviewPage gathers token, instance, group and doctor in parallel.
func (h *Handlers) overviewPage(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), overviewBudget)
	defer cancel()
	var (
		wg       sync.WaitGroup
		st       azureclient.TokenStatus
		stErr    error
		in       azureclient.Instance
		inErr    error
		group    azureclient.ResourceGroup
		accounts []azureclient.StorageAccount
		groupErr error
		checks   []azureclient.Check
	)
	wg.Go(func() { st, stErr = h.tokens.Status(ctx, azureclient.ResourceARM) })
	wg.Go(func() { in, inErr = h.instance(ctx) })
	wg.Go(func() {
		if groupErr = h.needARM(); groupErr != nil {
			return
		}
		if group, groupErr = h.arm.ResourceGroup(ctx); groupErr == nil {
			accounts, groupErr = h.arm.StorageAccounts(ctx)
		}
	})
	wg.Go(func() { checks = h.doctor.Run(ctx) })
	wg.Wait()
	now := h.now()
	return render(c, http.StatusOK, web.OverviewPage(web.OverviewView{
		Token:    newTokenCard(st, stErr, now),
		Instance: newInstanceView(in, inErr),
		Group:    newGroupSummary(group, accounts, groupErr),
		Doctor:   newDoctorView(checks),
	}))
}

func newGroupSummary(g azureclient.ResourceGroup, accounts []azureclient.StorageAccount, err error) web.GroupSummary {
	if err != nil {
		return web.GroupSummary{Error: alertFor(err)}
	}
	return web.GroupSummary{
		Name: g.Name, Location: g.Location, State: g.ProvisioningState,
		ResourceCount: len(g.Resources), Accounts: newAccountRows(accounts), URL: web.ResourceGroupPath(),
	}
}
