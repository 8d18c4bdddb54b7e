"""A stand-in for picodsc.sls.Service in interface tests: records calls, returns or raises what a
test sets. Tests of the HTTP layer alone (validation, error mapping, the OpenAPI document)."""


class StubService:
    def __init__(self, **results):
        self.results = dict(results)  # method name -> value, or an exception instance to raise
        self.calls = []

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def method(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            result = self.results.get(name)
            if isinstance(result, BaseException):
                raise result
            return result

        return method

    def close(self):
        pass
