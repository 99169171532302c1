using Grpc.Core;

namespace Mtaeda.ServiceDefaults;

/// <summary>How the sidecar's workflow API answers what a caller must tell apart.</summary>
public static class WorkflowErrors
{
    private const string NoSuchInstance = "no such instance exists";

    /// <summary>
    /// The sidecar's answer for an instance it does not know (raising an event on it, say): daprd passes durabletask's
    /// "no such instance exists" on with status Unknown (the local runtime answers the same); NotFound is taken too.
    /// </summary>
    /// <param name="e">The error.</param>
    /// <returns>True when the instance does not exist.</returns>
    public static bool IsNoSuchInstance(RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.StatusCode == StatusCode.NotFound ||
            (e.StatusCode == StatusCode.Unknown && e.Status.Detail.Contains(NoSuchInstance, StringComparison.Ordinal));
    }
}
