"""An independent SOAP client for the integration tests: Python's zeep (Debian's python3-zeep)
loads the WSDL the gateway serves, then calls SubmitTransfer and GetTransferStatus with a
WS-Security UsernameToken. Run with /usr/bin/python3; prints one JSON object.

usage: zeep-funds-transfer.py <wsdl url> <port name> <username> <password> <digest|text> <end-to-end id> <amount>
"""
import json
import sys
from decimal import Decimal

from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken


def main() -> None:
    wsdl, port, username, password, password_type, end_to_end_id, amount = sys.argv[1:8]
    token = UsernameToken(username, password, use_digest=(password_type == "digest"))
    client = Client(wsdl, wsse=token, settings=Settings(strict=True))
    service = client.bind("FundsTransferService", port)
    result = {}
    try:
        submitted = service.SubmitTransfer(
            EndToEndId=end_to_end_id,
            Debtor={
                "Name": "Harbor Freight Lines",
                "Account": {"IbanAccount": {"Iban": "DE89370400440532013000", "Bic": "COBADEFFXXX"}},
            },
            Creditor={
                "Name": "Acme Housewares Co.",
                "Account": {"DomesticAccount": {"AccountNumber": "7719302245", "RoutingNumber": "121000248"}},
            },
            Amount={"_value_1": Decimal(amount), "Currency": "EUR"},
            RequestedExecutionDate="2026-12-01",
            RemittanceInformation={"Unstructured": ["INV-2026-0042"]},
            ChargeBearer="SHAR",
        )
        result["submit"] = {
            "TrackingId": submitted.TrackingId,
            "EndToEndId": submitted.EndToEndId,
            "Status": submitted.Status,
        }
        status = service.GetTransferStatus(TrackingId=submitted.TrackingId)
        result["status"] = {"TrackingId": status.TrackingId, "Status": status.Status}
    except Fault as fault:
        result["fault"] = {"message": fault.message, "code": str(fault.code)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
