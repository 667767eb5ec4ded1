package dev.nutjar.server.proxy;

/**
 * The user event a reload fires on each client of a pool it removed: the session reads nothing
 * more, answers what it has read, then closes.
 */
enum PoolRemoved {
    EVENT
}
