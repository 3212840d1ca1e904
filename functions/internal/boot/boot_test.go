package boot

import "testing"

func TestCheckEnv(t *testing.T) {
	env := map[string]string{"TABLE_NAME": "polls", "EMPTY": ""}
	getenv := func(k string) string { return env[k] }
	if err := checkEnv(getenv, []string{"TABLE_NAME"}); err != nil {
		t.Errorf("set variable reported: %v", err)
	}
	err := checkEnv(getenv, []string{"TABLE_NAME", "EMPTY", "BUCKET"})
	if err == nil || err.Error() != "environment variables not set: EMPTY, BUCKET" {
		t.Errorf("checkEnv = %v, want both missing variables named", err)
	}
}
