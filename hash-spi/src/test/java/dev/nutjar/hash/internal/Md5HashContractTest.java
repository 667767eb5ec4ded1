package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class Md5HashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new Md5Hash();
    }

    @Override
    protected String expectedName() {
        return "md5";
    }
}
