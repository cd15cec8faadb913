#if !NET5_0_OR_GREATER
namespace System.Runtime.CompilerServices;

/// <summary>The compiler's marker for a module initializer, which netstandard2.0 does not declare.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class ModuleInitializerAttribute : Attribute
{
}
#endif
