"""Copies of graphs: copy.copy is a new node over the same operands; deepcopy and pickle
copy the whole graph (ops by name), keep its order, and backward on any copy gives the
original's gradients. A million-node chain copies without recursion."""

import copy
import pickle

import pytest

import autodiff as ad
from autodiff import Value, gradients


def graph():
    x, w = Value(0.8, "x"), Value(-0.4, "w")
    t = (x * w).sigmoid()
    y = t * t + 2.0 ** x - w / 3.0
    return x, w, y


def test_copy_is_a_new_node_with_the_same_op_operands_data_and_grad():
    x, w, y = graph()
    y.grad = 0.5
    c = copy.copy(y)
    assert c is not y and c.op == y.op and c.operands == y.operands
    assert c.data == y.data and c.grad == 0.5 and c.label == y.label
    assert c.operands[0] is y.operands[0]  # the operands are shared, not copied
    assert c.creation_index > y.creation_index
    c.grad = 0.0
    c.backward()
    expected = gradients(y, [x, w])
    assert (x.grad, w.grad) == expected


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))],
                         ids=["deepcopy", "pickle"])
def test_a_copied_graph_gives_the_originals_gradients_bit_for_bit(duplicate):
    x, w, y = graph()
    d = duplicate(y)
    d.backward()
    y.backward()
    leaves = [v for v in ad.creation_order(d) if not v.op]
    assert sorted(v.label for v in leaves) == ["w", "x"]
    by_label = {v.label: v.grad.hex() for v in leaves}
    assert by_label == {"x": x.grad.hex(), "w": w.grad.hex()}
    assert [v.data for v in ad.creation_order(d)] == [v.data for v in ad.creation_order(y)]
    assert [v.op for v in ad.creation_order(d)] == [v.op for v in ad.creation_order(y)]


def test_deepcopy_keeps_nodes_shared_with_other_copied_objects_shared():
    x, _, y = graph()
    x2, y2 = copy.deepcopy((x, y))
    assert x2 in ad.creation_order(y2) and x2 is not x
    y2.backward()
    y.backward()
    assert x2.grad == x.grad


def test_pickle_keeps_a_shared_leaf_shared():
    x, _, y = graph()
    x2, y2 = pickle.loads(pickle.dumps((x, y)))
    assert any(v is x2 for v in ad.creation_order(y2))


def test_ops_pickle_by_name_to_the_tables_own_object():
    for op in ad.OPS.values():
        assert pickle.loads(pickle.dumps(op)) is op
    node = Value(2.0) * 3.0
    assert pickle.loads(pickle.dumps(node))._op is node._op


def test_a_copied_graph_keeps_a_consistent_order_with_new_nodes():
    x, _, y = graph()
    d = pickle.loads(pickle.dumps(y))
    z = d * x  # a graph mixing the copy with the original
    z.backward()
    assert x.grad == gradients(d * x, [x])[0]


@pytest.mark.slow
def test_a_million_node_chain_pickles_unpickles_and_deep_copies():
    x = Value(1.0, "x")
    out = x
    for _ in range(1_000_000):
        out = out * 1.0000001
    copied = copy.deepcopy(out)
    restored = pickle.loads(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    del out
    for chain in (copied, restored):
        assert chain.data == pytest.approx(1.0000001 ** 1_000_000)
        assert len(ad.creation_order(chain)) == 1_000_001
