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

// Validate reports the first parameter outside its domain, or parameters
// whose simulation would overflow to an infinite or NaN price.
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
	return o.checkFinite()
}

// maxNormal bounds the standard normal variates the generator can produce:
// Box-Muller of a uniform in [2^-53, 1] gives |z| <= sqrt(2*53*ln 2) = 8.57.
const maxNormal = 8.6

// MaxPayoff bounds the largest discounted payoff a simulation may produce,
// so that the sums of up to 2^50 payoffs and of their squared deviations
// (Stats) stay finite.
const MaxPayoff = 1e100

// checkFinite rejects parameters whose simulation or closed form overflows
// (a maturity of 1e300 years, say): every number the simulation computes
// must be finite for every variate it can draw, before any sample is run.
func (o Option) checkFinite() error {
	p := newPricer(o)
	desc := fmt.Sprintf("spot %v, strike %v, rate %v, volatility %v, maturity %v", o.Spot, o.Strike, o.Rate, o.Volatility, o.Maturity)
	switch {
	case math.IsInf(p.drift, 0) || math.IsNaN(p.drift) || math.IsInf(p.diffusion, 0):
		return fmt.Errorf("option parameters overflow: (r - sigma^2/2) T or sigma sqrt(T) is not finite (%s)", desc)
	case math.IsInf(p.discount, 0) || p.discount == 0:
		return fmt.Errorf("option parameters overflow: the discount factor exp(-r T) = %v is not a positive finite number (%s)", p.discount, desc)
	}
	for _, z := range []float64{-maxNormal, maxNormal} {
		st := p.spot * math.Exp(p.drift+p.diffusion*z)
		v := p.payoff(z)
		if math.IsInf(st, 0) || math.IsNaN(st) || math.IsNaN(v) || v > MaxPayoff {
			return fmt.Errorf("option parameters overflow: the simulated price S_T = S0 exp((r - sigma^2/2) T + sigma sqrt(T) z) is %v for z = %v, and its payoff must be finite and at most %g (%s)", st, z, MaxPayoff, desc)
		}
	}
	if bs := o.BlackScholes(); math.IsNaN(bs) || math.IsInf(bs, 0) {
		return fmt.Errorf("option parameters overflow: the Black-Scholes price is %v (%s)", bs, desc)
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
