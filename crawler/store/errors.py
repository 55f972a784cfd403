"""Small named errors the store raises; the CLI turns them into one-line messages."""



from crawler.errors import DuwangError


class StoreError(DuwangError):
    """Base class for database problems a user can act on."""


class DatabaseUnwritable(StoreError):
    pass


class SchemaTooNew(StoreError):
    pass


class NotADatabase(StoreError):
    pass
