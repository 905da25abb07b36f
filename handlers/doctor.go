package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

type doctorJSON struct {
	Checks []checkJSON `json:"checks"`
}

type checkJSON struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

// NewDoctorJSON is the contract's doctor answer, shared with `msidash doctor --json`.
func NewDoctorJSON(checks []azureclient.Check) any {
	out := doctorJSON{Checks: make([]checkJSON, 0, len(checks))}
	for _, ch := range checks {
		out.Checks = append(out.Checks, checkJSON{Name: ch.Name, Status: ch.Status, Message: ch.Message, Hint: ch.Hint})
	}
	return out
}

// doctorBudget bounds a checklist run: with the identity endpoint
// black-holed, its retry budget alone is about 70 s, and a page must answer.
const doctorBudget = 15 * time.Second

func (h *Handlers) runDoctor(c echo.Context) []azureclient.Check {
	ctx, cancel := context.WithTimeout(c.Request().Context(), doctorBudget)
	defer cancel()
	return h.doctor.Run(ctx)
}

func (h *Handlers) apiDoctor(c echo.Context) error {
	return c.JSON(http.StatusOK, NewDoctorJSON(h.runDoctor(c)))
}

func (h *Handlers) doctorPage(c echo.Context) error {
	return render(c, http.StatusOK, web.DoctorPage(newDoctorView(h.runDoctor(c))))
}

func newDoctorView(checks []azureclient.Check) web.DoctorView {
	v := web.DoctorView{URL: web.DoctorPath()}
	for _, ch := range checks {
		v.Checks = append(v.Checks, web.CheckRow{Name: ch.Name, Status: ch.Status, Message: ch.Message, Hint: ch.Hint})
		switch ch.Status {
		case azureclient.CheckPass:
			v.Passed++
		case azureclient.CheckFail:
			v.Failed++
		default:
			v.Skipped++
		}
	}
	v.AllPass = len(checks) > 0 && v.Failed == 0 && v.Skipped == 0
	return v
}
