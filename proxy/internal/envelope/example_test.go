package envelope_test

import (
	"fmt"

	"github.com/shmrun/shmrun/proxy/internal/envelope"
)

// Example encodes a call, decodes it as its home would, and answers it.
func Example() {
	enc := envelope.NewEncoder(128)
	buf := enc.Call(envelope.CallMsg{ID: 1, Object: 2, Generation: 1, Method: []byte("add"), Args: []byte{3, 4}})

	var m envelope.Msg
	if err := envelope.Decode(buf, &m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %v\n", m.Call.Method, m.Call.Args)

	buf = enc.Reply(envelope.ReplyMsg{ID: m.Call.ID, Status: envelope.StatusOk, Result: []byte{7}})
	if err := envelope.Decode(buf, &m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Reply.ID, m.Reply.Status, m.Reply.Result)
	// Output:
	// add [3 4]
	// 1 Ok [7]
}
