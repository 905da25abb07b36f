package handlers

import (
	"net/http"

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

func (h *Handlers) apiDoctor(c echo.Context) error {
	return c.JSON(http.StatusOK, NewDoctorJSON(h.doctor.Run(c.Request().Context())))
}

func (h *Handlers) doctorPage(c echo.Context) error {
	return render(c, http.StatusOK, web.DoctorPage(newDoctorView(h.doctor.Run(c.Request().Context()))))
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
