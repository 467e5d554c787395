package queue

// DeliveryArgs is the job that processes one stored webhook delivery.
type DeliveryArgs struct {
	Key string `json:"key"`
}

// Kind names the job in River's table.
func (DeliveryArgs) Kind() string { return "vigil_delivery" }

// SweepArgs is the periodic job that applies SLA stages.
type SweepArgs struct{}

// Kind names the job in River's table.
func (SweepArgs) Kind() string { return "vigil_sla_sweep" }

// InventoryArgs is the periodic job that lists the inventory's sources
// into the ledger.
type InventoryArgs struct{}

// Kind names the job in River's table.
func (InventoryArgs) Kind() string { return "vigil_inventory" }
