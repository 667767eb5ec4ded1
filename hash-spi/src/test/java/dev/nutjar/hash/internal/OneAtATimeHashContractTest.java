package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class OneAtATimeHashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new OneAtATimeHash();
    }

    @Override
    protected String expectedName() {
        return "one_at_a_time";
    }
}
