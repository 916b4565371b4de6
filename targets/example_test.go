package targets_test

import (
	"fmt"

	"github.com/oobkit/oobkit/targets"
)

func ExampleParse() {
	list, err := targets.Parse([]byte(`
- name: amt-01
  address: 10.0.0.21
  labels: {protocols: "amt,redirection"}
- name: bmc-01
  address: 10.0.0.31
`))
	fmt.Println(len(list), list[0].Name, list[1].Address, err)

	_, err = targets.Parse([]byte("- name: amt-02\n  adress: 10.0.0.22\n"))
	fmt.Println(err)
	// Output:
	// 2 amt-01 10.0.0.31 <nil>
	// invalid argument: want a YAML or JSON list of targets: line 2: field adress not found (a target has name, address, guid, ports, labels)
}

func ExamplePick() {
	list, _ := targets.Parse([]byte("[{name: a, address: 10.0.0.1}, {name: b, address: 10.0.0.2}]"))
	picked, _ := targets.Pick(list, "b")
	fmt.Println(picked[0].Address)
	_, err := targets.Pick(list, "c")
	fmt.Println(err)
	// Output:
	// 10.0.0.2
	// invalid argument: no computer named "c"
}
