"""An independent SOAP client for the integration tests, for any served WSDL: Python's zeep
(Debian's python3-zeep) loads the WSDL the gateway serves, binds one port of one service and
calls one operation with keyword arguments, signing in with a WS-Security UsernameToken.
Run with /usr/bin/python3; prints one JSON object: {"result": ...} or {"fault": ...}.
Decimals are printed as their exact text, never as floats.

usage: zeep-call.py <wsdl url> <service> <port> <operation> <json arguments> <username> <password> <digest|text>
"""
import json
import sys

from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.wsse.username import UsernameToken


def main() -> None:
    wsdl, service_name, port, operation, arguments, username, password, password_type = sys.argv[1:9]
    token = UsernameToken(username, password, use_digest=(password_type == "digest"))
    client = Client(wsdl, wsse=token, settings=Settings(strict=True))
    service = client.bind(service_name, port)
    try:
        answer = getattr(service, operation)(**json.loads(arguments))
        print(json.dumps({"result": serialize_object(answer, dict)}, default=str))
    except Fault as fault:
        detail = None
        if fault.detail is not None:
            detail = {
                child.tag.split("}")[-1]: {grand.tag.split("}")[-1]: grand.text for grand in child}
                for child in fault.detail
            }
        print(json.dumps({"fault": {"message": fault.message, "code": str(fault.code), "detail": detail}}))


if __name__ == "__main__":
    main()
