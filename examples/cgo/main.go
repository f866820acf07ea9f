// Command cgo calls a C function: built with cgo: true, it runs on the glibc
// distroless base image.
package main

/*
#include <stdio.h>
static int add(int a, int b) { return a + b; }
static const char* greeting(void) { return "hello from C"; }
*/
import "C"

import "fmt"

func main() {
	fmt.Printf("%s: 2+3=%d\n", C.GoString(C.greeting()), int(C.add(2, 3)))
}
