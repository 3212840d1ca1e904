package montecarlo

import (
	"fmt"
	"math"
)

// Option is a European option on a stock that follows geometric Brownian
// motion under the risk-neutral measure, with no dividends.
type Option struct {
	// Spot is the stock price today (S0). Must be > 0.
	Spot float64 `json:"spot"`
	// Strike is the exercise price (K). Must be > 0.
	Strike float64 `json:"strike"`
	// Rate is the continuously compounded risk-free rate per year (r).
	Rate float64 `json:"rate"`
	// Volatility is the annualised volatility of the stock (sigma). Must be > 0.
	Volatility float64 `json:"volatility"`
	// Maturity is the time to expiry in years (T). Must be > 0.
	Maturity float64 `json:"maturity"`
	// Put selects a put; false is a call.
	Put bool `json:"put"`
}

// DefaultOption is the textbook at-the-money call (S0 = K = 100, r = 5%,
// sigma = 20%, T = 1 year), whose Black-Scholes price is 10.4506.
var DefaultOption = Option{Spot: 100, Strike: 100, Rate: 0.05, Volatility: 0.2, Maturity: 1}

// Validate reports the first parameter outside its domain.
func (o Option) Validate() error {
	check := func(name string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			return fmt.Errorf("option %s must be a positive number, got %v", name, v)
		}
		return nil
	}
	if err := check("spot", o.Spot); err != nil {
		return err
	}
	if err := check("strike", o.Strike); err != nil {
		return err
	}
	if err := check("volatility", o.Volatility); err != nil {
		return err
	}
	if err := check("maturity", o.Maturity); err != nil {
		return err
	}
	if math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) || math.Abs(o.Rate) > 1 {
		return fmt.Errorf("option rate must be a finite yearly rate between -1 and 1, got %v", o.Rate)
	}
	return nil
}

// Kind is "call" or "put".
func (o Option) Kind() string {
	if o.Put {
		return "put"
	}
	return "call"
}

// BlackScholes is the analytic price of the option.
func (o Option) BlackScholes() float64 {
	sqrtT := math.Sqrt(o.Maturity)
	d1 := (math.Log(o.Spot/o.Strike) + (o.Rate+0.5*o.Volatility*o.Volatility)*o.Maturity) / (o.Volatility * sqrtT)
	d2 := d1 - o.Volatility*sqrtT
	disc := math.Exp(-o.Rate * o.Maturity)
	if o.Put {
		return o.Strike*disc*normCDF(-d2) - o.Spot*normCDF(-d1)
	}
	return o.Spot*normCDF(d1) - o.Strike*disc*normCDF(d2)
}

// normCDF is the standard normal cumulative distribution function.
func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// pricer evaluates the discounted payoff for a standard normal draw z.
type pricer struct {
	spot, strike, drift, diffusion, discount float64
	put                                      bool
}

func newPricer(o Option) pricer {
	return pricer{
		spot:      o.Spot,
		strike:    o.Strike,
		drift:     (o.Rate - 0.5*o.Volatility*o.Volatility) * o.Maturity,
		diffusion: o.Volatility * math.Sqrt(o.Maturity),
		discount:  math.Exp(-o.Rate * o.Maturity),
		put:       o.Put,
	}
}

// payoff is exp(-rT) * max(S_T - K, 0) for a call (max(K - S_T, 0) for a put),
// with S_T = S0 * exp((r - sigma^2/2) T + sigma sqrt(T) z).
func (p pricer) payoff(z float64) float64 {
	st := p.spot * math.Exp(p.drift+p.diffusion*z)
	v := st - p.strike
	if p.put {
		v = -v
	}
	if v <= 0 {
		return 0
	}
	return p.discount * v
}
