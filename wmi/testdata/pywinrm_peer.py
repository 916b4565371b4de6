"""Drive a WinRM endpoint with pywinrm (Debian python3-winrm) over NTLM.

pywinrm is an independent WS-Management client: its NTLM comes from
requests_ntlm/pyspnego, its envelopes are built here by hand. Usage:

    pywinrm_peer.py ENDPOINT USER PASSWORD create COMMANDLINE
        invoke Win32_Process.Create; print "ReturnValue=N ProcessId=P"
    pywinrm_peer.py ENDPOINT USER PASSWORD enum CLASS PROPERTY
        enumerate root/cimv2 CLASS (Enumerate, then Pull until the end);
        print PROPERTY of every instance, one a line
    pywinrm_peer.py ENDPOINT USER PASSWORD invoke CLASS METHOD KEY VALUE
        invoke a method without parameters on the instance whose key KEY
        is VALUE; print "ReturnValue=N"
    pywinrm_peer.py ENDPOINT USER PASSWORD query NAMESPACE WQL PROPERTY
        enumerate NAMESPACE/* with a WQL filter; print PROPERTY of every
        instance, one a line, then "ELEMENTS=N" (the property elements of
        the first instance); a SOAP fault prints "FAULT " and pywinrm's
        reading of it
"""
import sys
import uuid
import xml.etree.ElementTree as ET

from winrm.exceptions import WinRMError, WinRMTransportError
from winrm.protocol import Protocol

WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
WMIROOT = "http://schemas.microsoft.com/wbem/wsman/1/wmi/"
WQL = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
ENUM = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"


def envelope(action, resource, body, selectors=""):
    return f"""<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
 xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"
 xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
 xmlns:n="{ENUM}">
<s:Header>
<a:To>{sys.argv[1]}</a:To>
<a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>
<a:Action s:mustUnderstand="true">{action}</a:Action>
<w:MaxEnvelopeSize s:mustUnderstand="true">153600</w:MaxEnvelopeSize>
<a:MessageID>uuid:{uuid.uuid4()}</a:MessageID>
<w:OperationTimeout>PT20S</w:OperationTimeout>
<w:ResourceURI s:mustUnderstand="true">{resource}</w:ResourceURI>
{selectors}
</s:Header>
<s:Body>{body}</s:Body>
</s:Envelope>"""


def local(tag):
    return tag.rsplit("}", 1)[-1]


def main():
    endpoint, user, password, op = sys.argv[1:5]
    p = Protocol(endpoint=endpoint, transport="ntlm", username=user, password=password,
                 message_encryption="never", server_cert_validation="ignore")
    if op == "create":
        uri = WMI + "Win32_Process"
        body = f'<p:Create_INPUT xmlns:p="{uri}"><p:CommandLine>{sys.argv[5]}</p:CommandLine></p:Create_INPUT>'
        root = ET.fromstring(p.send_message(envelope(uri + "/Create", uri, body)))
        out = {local(e.tag): e.text for e in root.iter() if local(e.tag) in ("ReturnValue", "ProcessId")}
        print(f"ReturnValue={out.get('ReturnValue')} ProcessId={out.get('ProcessId')}")
    elif op in ("enum", "query"):
        if op == "enum":
            cls, prop = sys.argv[5], sys.argv[6]
            uri = WMI + cls
            body = "<n:Enumerate/>"
        else:
            ns, wql, prop = sys.argv[5], sys.argv[6], sys.argv[7]
            uri = WMIROOT + ns + "/*"
            q = wql.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            body = f'<n:Enumerate><w:Filter Dialect="{WQL}">{q}</w:Filter></n:Enumerate>'
        try:
            root = ET.fromstring(p.send_message(envelope(ENUM + "/Enumerate", uri, body)))
        except (WinRMError, WinRMTransportError) as e:
            # pywinrm parses the SOAP fault itself: its message is the
            # fault's Reason with the subcode in the extended data.
            print(f"FAULT {e}")
            return
        first = None
        while True:
            for e in root.iter():
                if first is None and local(e.tag) == "Items" and len(e):
                    first = len(e[0])
            for e in root.iter():
                if local(e.tag) == prop and e.text:
                    print(e.text)
            ctx = [e.text for e in root.iter() if local(e.tag) == "EnumerationContext"]
            if any(local(e.tag) == "EndOfSequence" for e in root.iter()) or not ctx:
                break
            body = f"<n:Pull><n:EnumerationContext>{ctx[0]}</n:EnumerationContext><n:MaxElements>5</n:MaxElements></n:Pull>"
            root = ET.fromstring(p.send_message(envelope(ENUM + "/Pull", uri, body)))
        if op == "query":
            print(f"ELEMENTS={first}")
    elif op == "invoke":
        cls, method, key, value = sys.argv[5:9]
        uri = WMI + cls
        v = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        sel = f'<w:SelectorSet><w:Selector Name="{key}">{v}</w:Selector></w:SelectorSet>'
        body = f'<p:{method}_INPUT xmlns:p="{uri}"/>'
        root = ET.fromstring(p.send_message(envelope(uri + "/" + method, uri, body, sel)))
        out = [e.text for e in root.iter() if local(e.tag) == "ReturnValue"]
        print(f"ReturnValue={out[0] if out else None}")
    else:
        sys.exit("unknown op " + op)


main()
