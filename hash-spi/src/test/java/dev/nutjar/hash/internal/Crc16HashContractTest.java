package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class Crc16HashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new Crc16Hash();
    }

    @Override
    protected String expectedName() {
        return "crc16";
    }
}
