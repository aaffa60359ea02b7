"""Lookups by local name (``returns.xmlsafe``): any namespace or none, elements only."""

from __future__ import annotations

from lxml import etree

from sepa_batch.returns.xmlsafe import child, children, local, text, texts

DOCUMENT = b"""<D xmlns:a="urn:a"><A>1</A><!-- A --><?A x?><a:A>2</a:A><B><C> 3 </C></B>
<A xmlns="urn:z">4</A><AB>5</AB></D>"""


def test_children_match_the_local_name_in_any_namespace_and_skip_other_nodes():
    root = etree.fromstring(DOCUMENT, etree.XMLParser(remove_comments=False, remove_pis=False))
    assert [c.text for c in children(root, "A")] == ["1", "2", "4"]
    assert [local(c) for c in children(root, "A")] == ["A", "A", "A"]
    assert children(root, "Z") == [] and children(None, "A") == []
    assert child(root, "A").text == "1"
    assert text(root, "B", "C") == "3" and text(root, "B", "Z") is None
    assert child(None, "A") is None and child(root, "Z", "C") is None
    assert texts(root, "AB") == ["5"]
