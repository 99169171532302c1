using System.Collections.Concurrent;
using Dapr.Client;
using Dapr.Workflow;

namespace WorkflowApp;

/// <summary>Five activities in a chain, each adding one (the benchmark's workload).</summary>
public sealed class ChainWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int input)
    {
        var value = input;
        for (var i = 0; i < 5; i++) value = await context.CallActivityAsync<int>(nameof(AddActivity), value);
        return value;
    }
}

public sealed class AddActivity : WorkflowActivity<int, int>
{
    public override Task<int> RunAsync(WorkflowActivityContext context, int input) => Task.FromResult(input + 1);
}

/// <summary>
/// An activity done, then a 20-second timer and an external event awaited together, then a second activity: the
/// workflow the kill -9 test stops in the middle of.
/// </summary>
public sealed class DurableWorkflow : Workflow<DurableInput, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, DurableInput input)
    {
        await context.CallActivityAsync(nameof(EffectActivity), new Effect(context.InstanceId, "first"));
        context.SetCustomStatus("waiting");
        var timer = context.CreateTimer(TimeSpan.FromSeconds(input.TimerSeconds));
        var approval = context.WaitForExternalEventAsync<string>("approval");
        await Task.WhenAll(timer, approval);
        await context.CallActivityAsync(nameof(EffectActivity), new Effect(context.InstanceId, "second"));
        context.SetCustomStatus("done");
        return $"approved by {approval.Result}";
    }
}

public sealed record DurableInput(int TimerSeconds);

public sealed record Effect(string InstanceId, string Step);

/// <summary>Counts, in the state store, how often each step of each instance ran (ETag-checked increments).</summary>
public sealed class EffectActivity(DaprClient dapr) : WorkflowActivity<Effect, int>
{
    public override async Task<int> RunAsync(WorkflowActivityContext context, Effect input)
    {
        var key = $"effect-{input.InstanceId}-{input.Step}";
        while (true)
        {
            var (count, etag) = await dapr.GetStateAndETagAsync<int>("statestore", key);
            if (await dapr.TrySaveStateAsync("statestore", key, count + 1, etag ?? "")) return count + 1;
        }
    }
}

/// <summary>Waits for an event, with a timeout when one is given (then answers "timeout").</summary>
public sealed class EventWorkflow : Workflow<int, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, int timeoutSeconds)
    {
        if (timeoutSeconds <= 0) return await context.WaitForExternalEventAsync<string>("go");
        try
        {
            return await context.WaitForExternalEventAsync<string>("go", TimeSpan.FromSeconds(timeoutSeconds));
        }
        catch (TaskCanceledException)
        {
            return "timeout";
        }
    }
}

/// <summary>An activity that fails until its third attempt, under a retry policy of the SDK.</summary>
public sealed class RetryWorkflow : Workflow<string, string>
{
    public override Task<string> RunAsync(WorkflowContext context, string input) =>
        context.CallActivityAsync<string>(nameof(FlakyActivity), input,
            new WorkflowTaskOptions(new WorkflowRetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromMilliseconds(100))));
}

public sealed class FlakyActivity : WorkflowActivity<string, string>
{
    public static readonly ConcurrentDictionary<string, int> Attempts = new();

    public override Task<string> RunAsync(WorkflowActivityContext context, string input)
    {
        var attempt = Attempts.AddOrUpdate(input, 1, (_, n) => n + 1);
        if (attempt < 3) throw new InvalidOperationException($"attempt {attempt} fails");
        return Task.FromResult($"{input} after {attempt} attempts");
    }
}

/// <summary>Runs two children (chains) and sums what they return.</summary>
public sealed class ParentWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int input)
    {
        var first = context.CallChildWorkflowAsync<int>(nameof(ChainWorkflow), input, new ChildWorkflowTaskOptions($"{context.InstanceId}-a"));
        var second = context.CallChildWorkflowAsync<int>(nameof(ChainWorkflow), input * 10, new ChildWorkflowTaskOptions($"{context.InstanceId}-b"));
        return (await first) + (await second);
    }
}

/// <summary>Adds each "add" event to its input and continues as new until the sum reaches the target.</summary>
public sealed class ContinueWorkflow : Workflow<ContinueInput, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, ContinueInput input)
    {
        context.SetCustomStatus(input.Sum);
        if (input.Sum >= input.Target) return input.Sum;
        var add = await context.WaitForExternalEventAsync<int>("add");
        context.ContinueAsNew(input with { Sum = input.Sum + add }, preserveUnprocessedEvents: true);
        return -1;
    }
}

public sealed record ContinueInput(int Sum, int Target);

public sealed class FailingWorkflow : Workflow<string, string>
{
    public override Task<string> RunAsync(WorkflowContext context, string input) => throw new InvalidOperationException($"failed on {input}");
}

/// <summary>Waits on a timer of the given seconds (the benchmark's many-timers workload).</summary>
public sealed class TimerWorkflow : Workflow<int, string>
{
    public override async Task<string> RunAsync(WorkflowContext context, int seconds)
    {
        await context.CreateTimer(TimeSpan.FromSeconds(seconds));
        return "fired";
    }
}

/// <summary>Waits on a timer the first time and calls an activity instead on replay: code that is not deterministic.</summary>
public sealed class NonDeterministicWorkflow : Workflow<string, string>
{
    public static readonly ConcurrentDictionary<string, int> Runs = new();

    public override async Task<string> RunAsync(WorkflowContext context, string input)
    {
        var run = Runs.AddOrUpdate(context.InstanceId, 1, (_, n) => n + 1);
        if (run == 1) await context.CreateTimer(TimeSpan.FromMilliseconds(1));
        else await context.CallActivityAsync<int>(nameof(AddActivity), 1);
        return "done";
    }
}

/// <summary>Runs <see cref="FanOut.Count"/> slow activities at once and sums what they return.</summary>
public sealed class FanOutWorkflow : Workflow<FanOut, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, FanOut input)
    {
        var tasks = Enumerable.Range(0, input.Count).Select(_ => context.CallActivityAsync<int>(nameof(SlowActivity), input.Milliseconds)).ToArray();
        return (await Task.WhenAll(tasks)).Sum();
    }
}

public sealed record FanOut(int Count, int Milliseconds);

/// <summary>Takes the given milliseconds; counts, per workflow instance, how many ran at once and how many runs began.</summary>
public sealed class SlowActivity : WorkflowActivity<int, int>
{
    public sealed class Counts
    {
        public int Running;
        public int MaxRunning;
        public int Started;
    }

    public static readonly ConcurrentDictionary<string, Counts> ByInstance = new();

    public override async Task<int> RunAsync(WorkflowActivityContext context, int milliseconds)
    {
        var counts = ByInstance.GetOrAdd(context.InstanceId, _ => new Counts());
        Interlocked.Increment(ref counts.Started);
        var now = Interlocked.Increment(ref counts.Running);
        int seen;
        while ((seen = Volatile.Read(ref counts.MaxRunning)) < now && Interlocked.CompareExchange(ref counts.MaxRunning, now, seen) != seen)
        {
        }
        try
        {
            await Task.Delay(milliseconds);
            return milliseconds;
        }
        finally
        {
            Interlocked.Decrement(ref counts.Running);
        }
    }
}
