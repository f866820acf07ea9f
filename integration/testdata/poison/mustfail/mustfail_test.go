package mustfail

import "testing"

func TestMustFail(t *testing.T) {
	t.Fatal("this test must fail")
}
