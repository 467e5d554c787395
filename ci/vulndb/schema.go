package vulndb

// Vunnel result schemas: grype's builder picks the processor for a record by
// the schema URL in its envelope (the path segment and the major version).
const (
	schemaBase       = "https://raw.githubusercontent.com/anchore/vunnel/main/schema/"
	schemaOSV        = schemaBase + "vulnerability/osv/schema-1.6.1.json"
	schemaOS         = schemaBase + "vulnerability/os/schema-1.1.0.json"
	schemaGHSA       = schemaBase + "vulnerability/github-security-advisory/schema-1.0.3.json"
	schemaKEV        = schemaBase + "vulnerability/known-exploited/schema-1.0.0.json"
	schemaEPSS       = schemaBase + "vulnerability/epss/schema-1.0.0.json"
	schemaState      = schemaBase + "provider-workspace-state/schema-1.0.3.json"
	stateSchemaVer   = "1.0.3"
	processorName    = "vigil-db-build"
	importSourceName = "vigil db build"
)
