using LocalDapr.Configuration;

namespace LocalDapr.Secrets;

/// <summary>
/// What daprd does to a component's metadata before it initialises the component: values given by <c>secretKeyRef</c>
/// are read from the component's <c>auth.secretStore</c> (dapr/dapr <c>pkg/runtime/processor/secret</c>
/// <c>ProcessResource</c>), then the templates <c>{uuid}</c>, <c>{podName}</c>, <c>{namespace}</c> and <c>{appID}</c> are
/// expanded in every value (<c>pkg/runtime/meta</c> <c>convertItemsToProps</c>).
/// </summary>
public static class ComponentMetadata
{
    /// <summary>
    /// <paramref name="component"/> with its secret references read from <paramref name="secretStores"/> and its
    /// templates expanded for this sidecar. As with daprd, a secret that cannot be read (or has no such key) leaves the
    /// value empty and is logged; a reference to a secret store that is not loaded is refused (daprd would wait for it
    /// forever), and so is <c>{podName}</c> when the sidecar has no pod name.
    /// </summary>
    public static ComponentSpec Resolve(ComponentSpec component, IReadOnlyDictionary<string, ISecretStore> secretStores, string appId, string? podName,
        string @namespace, ILogger logger)
    {
        var values = new Dictionary<string, string>(component.Metadata, StringComparer.OrdinalIgnoreCase);
        if (component.SecretRefs.Count > 0)
        {
            var storeName = component.AuthSecretStore ?? "";
            if (!secretStores.TryGetValue(storeName, out var store))
            {
                throw new ConfigurationException(component.File, component.Line,
                    $"component '{component.Name}' references a secret store that isn't loaded: '{storeName}' (set auth.secretStore to a secret store component of this app)");
            }
            var cache = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            foreach (var (item, reference) in component.SecretRefs)
            {
                if (!cache.TryGetValue(reference.Name, out var secret))
                {
                    try
                    {
                        secret = store.Get(reference.Name, new Dictionary<string, string> { ["namespace"] = "" });
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogError("Error getting secret: {Error} (component {Component}, metadata {Item}, secret store {Store})", e.Message, component.Name, item, storeName);
                        continue;
                    }
                    cache[reference.Name] = secret;
                }
                if (secret.TryGetValue(reference.Key ?? reference.Name, out var value) && value.Length > 0) values[item] = value;
                else logger.LogError("Component {Component}: secret {Secret} in secret store {Store} has no value for key {Key}; metadata {Item} is left empty",
                    component.Name, reference.Name, storeName, reference.Key ?? reference.Name, item);
            }
        }
        foreach (var (key, raw) in values.ToList())
        {
            var value = raw;
            while (value.Contains("{uuid}", StringComparison.Ordinal))
            {
                var at = value.IndexOf("{uuid}", StringComparison.Ordinal);
                value = string.Concat(value.AsSpan(0, at), Guid.NewGuid().ToString(), value.AsSpan(at + "{uuid}".Length));
            }
            if (value.Contains("{podName}", StringComparison.Ordinal))
            {
                if (string.IsNullOrEmpty(podName))
                    throw new ConfigurationException(component.File, component.Line, $"component '{component.Name}': failed to parse metadata: property {key} refers to {{podName}} but podName is not set");
                value = value.Replace("{podName}", podName, StringComparison.Ordinal);
            }
            value = value.Replace("{namespace}", $"{@namespace}.{appId}", StringComparison.Ordinal).Replace("{appID}", appId, StringComparison.Ordinal);
            values[key] = value;
        }
        return component with { Metadata = values };
    }
}
