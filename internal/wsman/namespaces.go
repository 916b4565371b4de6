package wsman

// XML namespaces of the envelope (DSP0226 Annex A).
const (
	NSSOAP        = "http://www.w3.org/2003/05/soap-envelope"
	NSAddressing  = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	NSWSMan       = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	NSEnumeration = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
	NSTransfer    = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
	NSEventing    = "http://schemas.xmlsoap.org/ws/2004/08/eventing"
	NSIdentity    = "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
	NSXSI         = "http://www.w3.org/2001/XMLSchema-instance"
	NSCIMBinding  = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd"
)

// Resource URI bases.
const (
	CIMBase = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
	AMTBase = "http://intel.com/wbem/wscim/1/amt-schema/1/"
	IPSBase = "http://intel.com/wbem/wscim/1/ips-schema/1/"
	WMIBase = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
)

// Actions.
const (
	ActionGet             = NSTransfer + "/Get"
	ActionGetResponse     = NSTransfer + "/GetResponse"
	ActionPut             = NSTransfer + "/Put"
	ActionPutResponse     = NSTransfer + "/PutResponse"
	ActionCreate          = NSTransfer + "/Create"
	ActionCreateResponse  = NSTransfer + "/CreateResponse"
	ActionDelete          = NSTransfer + "/Delete"
	ActionDeleteResponse  = NSTransfer + "/DeleteResponse"
	ActionEnumerate       = NSEnumeration + "/Enumerate"
	ActionEnumerateResp   = NSEnumeration + "/EnumerateResponse"
	ActionPull            = NSEnumeration + "/Pull"
	ActionPullResponse    = NSEnumeration + "/PullResponse"
	ActionRelease         = NSEnumeration + "/Release"
	ActionSubscribe       = NSEventing + "/Subscribe"
	ActionSubscribeResp   = NSEventing + "/SubscribeResponse"
	ActionUnsubscribe     = NSEventing + "/Unsubscribe"
	ActionUnsubscribeResp = NSEventing + "/UnsubscribeResponse"
	ActionFault           = NSAddressing + "/fault"
	ActionWSManFault      = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
	ActionAck             = "http://schemas.dmtf.org/wbem/wsman/1/wsman/Ack"
	AnonymousAddress      = NSAddressing + "/role/anonymous"
	DeliveryPush          = NSEventing + "/DeliveryModes/Push"
	DeliveryPushWithAck   = "http://schemas.dmtf.org/wbem/wsman/1/wsman/PushWithAck"
	DeliveryEvents        = "http://schemas.dmtf.org/wbem/wsman/1/wsman/Events"
	DialectWQL            = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
	DialectSelector       = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"
	DialectAssociation    = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter"
)
