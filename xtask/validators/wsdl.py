"""Loads WSDL 1.1 files with real SOAP tooling; any error or warning is a failure.

Usage: .tools/venv/bin/python wsdl.py FILE.wsdl...

For each file:
  1. zeep (the Python SOAP client) loads it with strict parsing (unresolved references and an
     invalid schema are errors), checks there is a SOAP 1.1 and a SOAP 1.2 binding, and lists every
     operation of every port with its input parameters, output and faults.
  2. xmlschema compiles the embedded xs:schema as a standalone XSD 1.0 schema, validates the whole
     document against the WSDL 1.1 schema (wsdl.xsd, bundled with xmlschema) with the SOAP 1.1
     binding schema for the soap: extension elements, and loads it as a WSDL model, which resolves
     every message, part, portType, binding and port reference.
Any Python warning or log record of level WARNING or above counts as a failure. Ends with a verdict
line per file (see README.md).
"""

import logging
import pathlib
import sys
import warnings

import lxml.etree as etree
import xmlschema
import zeep
from xmlschema.extras.wsdl import Wsdl11Document
from zeep.wsdl.bindings.soap import Soap12Binding

XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
NS = {"wsdl": WSDL, "soap12": "http://schemas.xmlsoap.org/wsdl/soap12/"}
WSDL_DIR = pathlib.Path(xmlschema.__file__).parent / "schemas" / "WSDL"
CHECK = "zeep+xmlschema"
problems = []


class Collect(logging.Handler):
    def emit(self, record):
        problems.append(f"log {record.name}: {record.getMessage()}")


logging.getLogger().addHandler(Collect(level=logging.WARNING))
warnings.simplefilter("always")
warnings.showwarning = lambda message, category, *rest: problems.append(f"{category.__name__}: {message}")


def check(path):
    # 1. zeep, strict mode (the default).
    client = zeep.Client(wsdl=path, settings=zeep.Settings(strict=True))
    bindings = {type(b).__name__ for b in client.wsdl.bindings.values()}
    if bindings != {"Soap11Binding", "Soap12Binding"}:
        problems.append(f"expected a SOAP 1.1 and a SOAP 1.2 binding, got {sorted(bindings)}")
    operations = 0
    for service in client.wsdl.services.values():
        for port in service.ports.values():
            binding = port.binding
            kind = "SOAP 1.2" if isinstance(binding, Soap12Binding) else "SOAP 1.1"
            print(f"  {service.name}/{port.name} ({kind}) at {port.binding_options['address']}")
            for name, operation in sorted(binding._operations.items()):
                operations += 1
                print(f"    {name}({operation.input.signature(as_output=False)})"
                      f" -> {operation.output.signature(as_output=True)}")
                faults = ", ".join(sorted(operation.faults))
                if faults:
                    print(f"      faults: {faults}")
    if operations == 0:
        problems.append("zeep found no operation")
    # 2. xmlschema: the embedded schema on its own ...
    schema_element = etree.parse(path).find(f".//{{{XS}}}schema")
    if schema_element is None:
        raise ValueError("no embedded xs:schema")
    embedded = xmlschema.XMLSchema10(etree.tostring(schema_element).decode())
    print(f"  xmlschema: embedded schema compiles: {len(embedded.types)} named types,"
          f" {len(embedded.elements)} elements")
    # ... the whole document against the WSDL 1.1 and WSDL SOAP 1.1 binding schemas ...
    wsdl_schema = xmlschema.XMLSchema10(str(WSDL_DIR / "wsdl-soap.xsd"), locations={WSDL: str(WSDL_DIR / "wsdl.xsd")})
    wsdl_schema.validate(path)
    # ... and xmlschema's WSDL model. It only knows SOAP 1.1 bindings, so it reads the file without
    # the SOAP 1.2 binding and port (zeep covers the SOAP 1.2 side above).
    soap11 = etree.parse(path)
    for element in soap11.xpath("//wsdl:binding[soap12:binding] | //wsdl:port[soap12:address]", namespaces=NS):
        element.getparent().remove(element)
    document = Wsdl11Document(etree.tostring(soap11).decode())
    print(f"  xmlschema: WSDL valid, {len(document.messages)} messages, {len(document.port_types)} portType,"
          f" {len(document.bindings)} SOAP 1.1 binding, {len(document.services)} service")
    return operations


failed = 0
for path in sys.argv[1:]:
    print(path)
    before = len(problems)
    operations = 0
    try:
        operations = check(path)
    except Exception as error:  # any failure to load is a failure of the artifact
        problems.append(f"{type(error).__name__}: {error}")
    mine = problems[before:]
    for problem in mine:
        print("  PROBLEM:", problem)
    failed += bool(mine)
    summary = f"{len(mine)} problem(s): {mine[0]}" if mine else f"{operations} operations (zeep {zeep.__version__}, xmlschema {xmlschema.__version__})"
    print("\t".join(["@@", CHECK, "fail" if mine else "ok", path, " ".join(summary.split())[:300]]))
sys.exit(1 if failed else 0)
