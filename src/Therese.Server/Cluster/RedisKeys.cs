using StackExchange.Redis;

namespace Therese.Server.Cluster;

/// <summary>Every key and channel THÉRÈSE uses in Redis, in one place (docs/scaling.md lists them).</summary>
public sealed class RedisKeys(string prefix)
{
    private readonly string _p = prefix + ":";

    /// <summary>Stream: the events of one answer, ids 0-1, 0-2… (the SSE ids).</summary>
    public RedisKey Log(string messageId) => _p + "log:" + messageId;

    /// <summary>Channel: the answer's log grew.</summary>
    public RedisChannel Wake(string messageId) => RedisChannel.Literal(_p + "wake:" + messageId);

    /// <summary>String: which instance (and lock owner) writes an answer in this conversation.</summary>
    public RedisKey Busy(string conversationId) => _p + "busy:" + conversationId;

    /// <summary>Counter: answers a client (person or address) has on every instance together.</summary>
    public RedisKey Slots(string client) => _p + "slots:" + client;

    /// <summary>Hash: message id → the running answer (instance, conversation, lock owner, client).</summary>
    public RedisKey Running => _p + "running";

    /// <summary>Set: the instances that said they were alive once (the sweeper walks it).</summary>
    public RedisKey Instances => _p + "instances";

    /// <summary>String with a TTL: the instance is alive.</summary>
    public RedisKey Alive(string instanceId) => _p + "alive:" + instanceId;

    /// <summary>Set: the answers an instance writes.</summary>
    public RedisKey AnswersOf(string instanceId) => _p + "answers:" + instanceId;

    /// <summary>Set: Stop requests for an instance's answers, read at each heartbeat (when a published one was missed).</summary>
    public RedisKey Stops(string instanceId) => _p + "stops:" + instanceId;

    /// <summary>String: one instance sweeps a dead one.</summary>
    public RedisKey Sweeping(string instanceId) => _p + "sweeping:" + instanceId;

    /// <summary>Sorted set: instances with a follower of this answer, scored by when that presence expires (ms).</summary>
    public RedisKey Watchers(string messageId) => _p + "watchers:" + messageId;

    /// <summary>Channel: stop this answer (message = its id).</summary>
    public RedisChannel Stop => RedisChannel.Literal(_p + "stop");

    /// <summary>Channel: a decision on a waiting tool call, <c>{message id}\n{call id}\n{1|0}</c>, for the instance that writes the answer.</summary>
    public RedisChannel ToolDecision => RedisChannel.Literal(_p + "tool-decision");

    /// <summary>Channel: the model settings changed; every instance reloads them.</summary>
    public RedisChannel Settings => RedisChannel.Literal(_p + "settings");
}
