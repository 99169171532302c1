namespace Mtaeda.Passengers.Infrastructure;

/// <summary>Settings (section <c>Passengers</c>, environment <c>Passengers__Name</c>).</summary>
public sealed class PassengersOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Passengers";

    /// <summary>How long a new payment method may take to be confirmed before its top-up fails.</summary>
    public TimeSpan PaymentMethodTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Length of a face template: identification's <c>Identification:TemplateLength</c> (the cameras' model's embedding size).</summary>
    public int TemplateLength { get; init; } = 512;

    /// <summary>Checks the settings at start.</summary>
    /// <exception cref="InvalidOperationException">A setting is out of range.</exception>
    public void Validate()
    {
        if (PaymentMethodTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Passengers:PaymentMethodTimeout must be positive.");
        if (TemplateLength <= 0) throw new InvalidOperationException("Passengers:TemplateLength must be positive.");
    }
}
