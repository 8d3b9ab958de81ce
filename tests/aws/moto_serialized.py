"""moto_server as the tests run it: one request at a time, and transactions
that cost what DynamoDB's do.

moto_server answers on several threads, and its TransactWriteItems first
deep-copies every table it touches, to roll back on failure. A request
running meanwhile breaks that copy (HTTP 500, "dictionary changed size during
iteration") or sees half a transaction, and the copy costs time in
proportion to the whole table and its stream (seconds per transaction once a
table holds a few thousand items). DynamoDB applies each transaction
atomically at the cost of the items it names. So here every request holds
one lock, and the rollback copy of a table keeps the items by reference,
copying only the items the transaction names and the list of stream records.
Arguments are moto_server's (-H host -p port).
"""
import collections
import copy
import threading
import types

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.moto_server import werkzeug_app
from moto.server import main

_lock = threading.Lock()
_call = werkzeug_app.DomainDispatcherApplication.__call__


def _serialized(self, environ, start_response):
    with _lock:
        return list(_call(self, environ, start_response))


werkzeug_app.DomainDispatcherApplication.__call__ = _serialized

# (table name, key or item) of each entry of the transaction being applied;
# one transaction at a time, under _lock.
_named = []


def _rollback_copy(table):
    named = set()
    for name, attributes in _named:
        if name == table.name and table.hash_key_attr in attributes:
            named.add(DynamoType(attributes[table.hash_key_attr]))
    backup = copy.copy(table)
    items = collections.defaultdict(dict)
    for hash_value, value in table.items.items():
        if hash_value in named:
            items[hash_value] = copy.deepcopy(value)
        else:
            # Range-keyed tables hold a dict per hash value: copy the dict.
            items[hash_value] = dict(value) if isinstance(value, dict) else value
    backup.items = items
    shard = getattr(table, "stream_shard", None)
    if shard is not None:
        backup.stream_shard = copy.copy(shard)
        backup.stream_shard.items = list(shard.items)
    return backup


def _deepcopy(value, memo=None):
    if isinstance(value, Table):
        return _rollback_copy(value)
    return copy.deepcopy(value, memo)


dynamodb_models.copy = types.SimpleNamespace(deepcopy=_deepcopy, copy=copy.copy)
_transact = dynamodb_models.DynamoDBBackend.transact_write_items


def _transact_naming(self, transact_items):
    _named[:] = [
        (op.get("TableName"), op.get("Key") or op.get("Item") or {})
        for entry in transact_items
        for op in entry.values()
        if isinstance(op, dict)
    ]
    try:
        return _transact(self, transact_items)
    finally:
        _named.clear()


dynamodb_models.DynamoDBBackend.transact_write_items = _transact_naming

if __name__ == "__main__":
    main()
