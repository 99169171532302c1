using System.Collections.Frozen;
using Google.Protobuf.Reflection;

namespace Mtaeda.ServiceDefaults.Callers;

/// <summary>Who may call one RPC.</summary>
/// <param name="Roles">The users' roles allowed.</param>
/// <param name="Services">The services (app ids) allowed without a user; null for any service (an app that is not user-facing).</param>
public sealed record CallerRule(IReadOnlySet<UserRole> Roles, IReadOnlySet<string>? Services);

/// <summary>
/// The per-RPC role rule of a service's API, enforced by <see cref="CallerInterceptor"/>. Every method of a service given
/// to <see cref="For"/> must have a rule (checked when the rules are built): an RPC added later without one is refused to
/// everyone, not open to everyone.
/// </summary>
public sealed class CallerRules
{
    /// <summary>Every role.</summary>
    public static readonly IReadOnlySet<UserRole> AnyRole = FrozenSet.Create(UserRole.Supervisor, UserRole.Technician, UserRole.Viewer);

    private readonly Dictionary<string, CallerRule> _rules = new(StringComparer.Ordinal);
    private readonly List<ServiceDescriptor> _services = [];

    /// <summary>The apps whose calls are made for a signed-in user and must carry the user's bearer token.</summary>
    public IReadOnlySet<string> UserFacingApps { get; private set; } = FrozenSet.Create(StringComparer.Ordinal, "dashboard");

    /// <summary>Starts the rules of a gRPC service.</summary>
    /// <param name="service">The service's descriptor.</param>
    /// <returns>The rules, to add the service's methods to.</returns>
    public ServiceRules For(ServiceDescriptor service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _services.Add(service);
        return new ServiceRules(this, service);
    }

    /// <summary>Sets the user-facing apps (configuration <c>Callers:UserFacingApps</c>).</summary>
    /// <param name="apps">The app ids.</param>
    /// <returns>The same rules.</returns>
    public CallerRules WithUserFacingApps(IEnumerable<string> apps)
    {
        UserFacingApps = apps.Where(a => a.Length > 0).ToFrozenSet(StringComparer.Ordinal);
        return this;
    }

    /// <summary>The rule of a method (its full gRPC path, <c>/package.Service/Method</c>).</summary>
    /// <param name="method">The path.</param>
    /// <param name="rule">The rule.</param>
    /// <returns>True when the method belongs to a service under rules; <paramref name="rule"/> null when it has none.</returns>
    public bool Covers(string method, out CallerRule? rule)
    {
        rule = _rules.GetValueOrDefault(method);
        return rule is not null || _services.Any(s => method.StartsWith($"/{s.FullName}/", StringComparison.Ordinal));
    }

    /// <summary>Fails when a method of a service under rules has none.</summary>
    /// <exception cref="InvalidOperationException">A method without a rule.</exception>
    public void Validate()
    {
        var missing = _services.SelectMany(s => s.Methods).Select(Path).Where(p => !_rules.ContainsKey(p)).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"No caller rule for {string.Join(", ", missing)}");
    }

    internal void Add(string path, CallerRule rule) => _rules[path] = rule;

    internal static string Path(MethodDescriptor method) => $"/{method.Service.FullName}/{method.Name}";

    /// <summary>The rules of one gRPC service.</summary>
    public sealed class ServiceRules
    {
        private readonly CallerRules _rules;
        private readonly ServiceDescriptor _service;

        internal ServiceRules(CallerRules rules, ServiceDescriptor service)
        {
            _rules = rules;
            _service = service;
        }

        /// <summary>Reads: every role, and any service.</summary>
        /// <param name="methods">The methods' names.</param>
        /// <returns>The same rules.</returns>
        public ServiceRules Read(params string[] methods) => Allow(AnyRole, null, methods);

        /// <summary>Commands of <paramref name="roles"/>, and of the services named in <paramref name="services"/> (none by default).</summary>
        /// <param name="roles">The roles.</param>
        /// <param name="services">The app ids allowed without a user.</param>
        /// <param name="methods">The methods' names.</param>
        /// <returns>The same rules.</returns>
        public ServiceRules Command(IEnumerable<UserRole> roles, IEnumerable<string> services, params string[] methods) =>
            Allow(roles.ToFrozenSet(), services.ToFrozenSet(StringComparer.Ordinal), methods);

        private ServiceRules Allow(IReadOnlySet<UserRole> roles, IReadOnlySet<string>? services, string[] methods)
        {
            foreach (var name in methods)
            {
                var method = _service.FindMethodByName(name) ?? throw new ArgumentException($"{_service.FullName} has no method {name}", nameof(methods));
                _rules.Add(Path(method), new CallerRule(roles, services));
            }
            return this;
        }
    }
}
